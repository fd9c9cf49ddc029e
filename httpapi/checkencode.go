package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"github.com/signetdev/signet/authn"
)

// writeCheckResult answers one check. The answer of POST /api/v1/check is
// on the hot path, and encoding/json's reflection was an eighth of the
// route's time: appendCheckResult writes the same bytes by hand into a
// pooled buffer. FuzzAppendCheckAnswer holds it to json.Marshal of the wire type.
func writeCheckAnswer(w http.ResponseWriter, a *authn.Answer) {
	buf := checkAnswers.Get().(*[]byte)
	b := appendCheckAnswer((*buf)[:0], a)
	writeRawJSON(w, http.StatusOK, b)
	*buf = b
	checkAnswers.Put(buf)
}

var checkAnswers = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// appendCheckAnswer appends json.Marshal(checkResultJSON(*a)) to b.
func appendCheckAnswer(b []byte, a *authn.Answer) []byte {
	b = append(b, `{"allowed":`...)
	b = strconv.AppendBool(b, a.Allowed)
	if v := a.Verified; v != nil {
		b = append(b, `,"principal":{"id":`...)
		b = appendJSONString(b, v.Actor.UserID)
		b = append(b, `,"kind":`...)
		b = appendJSONString(b, v.Actor.Kind)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, v.Actor.Name)
		if len(v.Labels) > 0 {
			// Sorted by name when cached, as encoding/json sorts a map.
			b = append(b, `,"labels":{`...)
			for i, l := range v.Labels {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, l.Name)
				b = append(b, ':')
				b = appendJSONString(b, l.Value)
			}
			b = append(b, '}')
		}
		b = append(b, '}')
		if v.Actor.KeyID != "" {
			b = append(b, `,"key_id":`...)
			b = appendJSONString(b, v.Actor.KeyID)
		}
	}
	b = append(b, `,"workspace":`...)
	b = appendJSONString(b, a.Workspace)
	if a.Reason != "" {
		b = append(b, `,"reason":`...)
		b = appendJSONString(b, a.Reason)
	}
	return append(b, '}')
}

// appendJSONString appends s as encoding/json writes it. Ids, kinds and
// reasons are printable ASCII that needs no escaping, and are copied as
// they are; anything else (a name with accents, quotes, <, > or &, which
// encoding/json escapes for HTML) goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
