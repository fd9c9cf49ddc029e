package signet_test

import (
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
)

func TestEdgeWorkspaceDecide(t *testing.T) {
	const def, sandbox, prod = "ws_default", "ws_sandbox", "ws_prod"
	fixed := signet.EdgeWorkspace{Fixed: def}
	narrow := signet.EdgeWorkspace{Fixed: def, ClientMayChoose: []string{sandbox, prod}}
	anyWS := signet.EdgeWorkspace{Fixed: def, ClientMayChoose: []string{signet.AnyWorkspace}}
	unset := signet.EdgeWorkspace{}
	tests := []struct {
		name      string
		e         signet.EdgeWorkspace
		requested []string
		want      string // "" with wantErr
		wantErr   bool
	}{
		{"fixed, nothing named", fixed, nil, def, false},
		{"fixed, empty header", fixed, []string{"", ""}, def, false},
		{"fixed, the same named", fixed, []string{def}, def, false},
		{"fixed, the same named twice", fixed, []string{def, def}, def, false},
		{"fixed, another named: refused, not replaced", fixed, []string{sandbox}, "", true},
		{"fixed, another named in the second header", fixed, []string{"", sandbox}, "", true},
		{"narrowing allowed", narrow, []string{sandbox}, sandbox, false},
		{"narrowing allowed, other allowed one", narrow, []string{prod}, prod, false},
		{"narrowing to one not listed", narrow, []string{"ws_other"}, "", true},
		{"narrowing, nothing named", narrow, nil, def, false},
		{"two different named", narrow, []string{sandbox, prod}, "", true},
		{"any", anyWS, []string{"ws_whatever"}, "ws_whatever", false},
		{"any, nothing named", anyWS, nil, def, false},
		{"unset, nothing named", unset, nil, "", false},
		{"unset, one named", unset, []string{def}, "", true},
		{"star is not a workspace a caller may name literally unless allowed", fixed, []string{"*"}, "", true},
	}
	for _, tt := range tests {
		got, err := tt.e.Decide(tt.requested...)
		if tt.wantErr {
			if err == nil || signet.ErrorCode(err) != signet.EFORBIDDEN || signet.ErrorReason(err) != signet.ReasonWorkspaceNotAllowed {
				t.Errorf("%s: Decide(%q) = %q, %v; want EFORBIDDEN %s", tt.name, tt.requested, got, err, signet.ReasonWorkspaceNotAllowed)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: Decide(%q) = %q, %v; want %q", tt.name, tt.requested, got, err, tt.want)
		}
	}
	// The message quotes what the caller sent, safely and briefly.
	_, err := fixed.Decide("ws_\"x\n" + strings.Repeat("a", 500))
	if msg := signet.ErrorMessage(err); strings.Contains(msg, "\n") || len(msg) > 400 || !strings.Contains(msg, "ws_default") {
		t.Errorf("message = %q; want it quoted, short, naming the fixed workspace", msg)
	}
}
