package authn

import (
	"maps"
	"slices"
)

// Label is one label of a service account, as a verified key carries it.
type Label struct {
	Name, Value string
}

// SortedLabels returns labels as a slice sorted by name (the order
// encoding/json writes a map in), so that answering them allocates
// nothing; nil for none. Computed once per cached key.
func SortedLabels(labels map[string]string) []Label {
	if len(labels) == 0 {
		return nil
	}
	out := make([]Label, 0, len(labels))
	for _, name := range slices.Sorted(maps.Keys(labels)) {
		out = append(out, Label{Name: name, Value: labels[name]})
	}
	return out
}
