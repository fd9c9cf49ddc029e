package httpapi

import (
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/authn"
)

// TestAppendCheckAnswerLabelsAllocFree: a service account's labels are
// answered without allocating (into a buffer with room), as the rest of
// the answer is.
func TestAppendCheckAnswerLabelsAllocFree(t *testing.T) {
	a := authn.Answer{Allowed: true, Workspace: "ws_default", Verified: &authn.Verified{
		Actor:  &signet.Actor{UserID: "sa_1", Kind: signet.KindServiceAccount, Name: "etl", KeyID: "key_1"},
		Labels: authn.SortedLabels(map[string]string{"team": "data", "env": "prod", "app.example.com/tier": "batch"}),
	}}
	buf := make([]byte, 0, 512)
	want := `{"allowed":true,"principal":{"id":"sa_1","kind":"service_account","name":"etl","labels":{"app.example.com/tier":"batch","env":"prod","team":"data"}},"key_id":"key_1","workspace":"ws_default"}`
	if got := string(appendCheckAnswer(buf, &a)); got != want {
		t.Fatalf("appendCheckAnswer = %s; want %s", got, want)
	}
	if n := testing.AllocsPerRun(100, func() { buf = appendCheckAnswer(buf[:0], &a) }); n != 0 {
		t.Errorf("appendCheckAnswer with labels allocates %v times; want 0", n)
	}
}
