package signet

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string // a substring of the message; "" for success
	}{
		{in: "30d", want: 30 * day},
		{in: "12h", want: 12 * time.Hour},
		{in: "90m", want: 90 * time.Minute},
		{in: "720h", want: 30 * day},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "1.5h", want: 90 * time.Minute},
		{in: "2w", want: 14 * day},
		{in: "720h0m0s", want: 30 * day},
		{in: "0", want: 0},
		{in: "0s", want: 0},
		{in: " 7d ", want: 7 * day},
		{in: "P30D", want: 30 * day},
		{in: "PT12H", want: 12 * time.Hour},
		{in: "P1DT12H", want: 36 * time.Hour},
		{in: "PT90M", want: 90 * time.Minute},
		{in: "PT1H30M15S", want: time.Hour + 30*time.Minute + 15*time.Second},
		{in: "P2W", want: 14 * day},
		{in: "PT0.5S", want: 500 * time.Millisecond},
		{in: "p30d", want: 30 * day},
		{in: "PT0S", want: 0},
		{in: "", wantErr: "is empty"},
		{in: "30x", wantErr: `"30x" is not a valid duration; use a duration such as 30d`},
		{in: "d", wantErr: "not a valid duration"},
		{in: "30", wantErr: "not a valid duration"},
		{in: "-1h", wantErr: "cannot have a sign"},
		{in: "+1h", wantErr: "cannot have a sign"},
		{in: "1..5h", wantErr: "not a valid duration"},
		{in: ".5h", wantErr: "not a valid duration"},
		{in: "P", wantErr: "not a valid duration"},
		{in: "PT", wantErr: "not a valid duration"},
		{in: "P1DT", wantErr: "not a valid duration"},
		{in: "PT12H1D", wantErr: "not a valid duration"},
		{in: "P1D2D", wantErr: "not a valid duration"},
		{in: "P1.5DT2H", wantErr: "not a valid duration"},
		{in: "P1Y", wantErr: "years and months have no fixed length"},
		{in: "P6M", wantErr: "years and months have no fixed length"},
		{in: "P2W1D", wantErr: "not a valid duration"},
		{in: "36501d", wantErr: "longer than 100 years"},
		{in: "99999999999999999999h", wantErr: "not a valid duration"},
		{in: "106752d", wantErr: "not a valid duration"},
		{in: "30 d", wantErr: "not a valid duration"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if tt.wantErr == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseDuration(%q) = %v, %v; want an %s error containing %q", tt.in, got, err, EINVALID, tt.wantErr)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tt := range []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"}, {30 * 24 * time.Hour, "30d"}, {36 * time.Hour, "1d12h"}, {90 * time.Minute, "1h30m"},
		{45 * time.Second, "45s"}, {1500 * time.Millisecond, "1.5s"},
	} {
		if got := FormatDuration(tt.in); got != tt.want {
			t.Errorf("FormatDuration(%v) = %q; want %q", tt.in, got, tt.want)
		}
		if back, err := ParseDuration(FormatDuration(tt.in)); err != nil || back != tt.in {
			t.Errorf("ParseDuration(FormatDuration(%v)) = %v, %v; want the same", tt.in, back, err)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"30d", "PT12H", "1h30m", "P1DT2H3M4.5S", "-1h", "P1Y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err == nil && (d < 0 || d > MaxDuration) {
			t.Errorf("ParseDuration(%q) = %v; want 0..MaxDuration", s, d)
		}
	})
}
