package apikey

import (
	"os"
	"strings"
	"testing"
)

const testID = "01jd5x7d0e5k3v8q2m4n6p8r9t"

func TestGenerateParseRoundTrip(t *testing.T) {
	for _, kind := range []string{KindServiceAccount, KindPersonal} {
		s, k, err := Generate(kind, testID)
		if err != nil {
			t.Fatalf("Generate(%q) error: %v", kind, err)
		}
		if len(s) != Len {
			t.Errorf("len(Generate(%q)) = %d; want %d", kind, len(s), Len)
		}
		if !Regexp.MatchString(s) {
			t.Errorf("Pattern does not match generated key %q", s)
		}
		if strings.ContainsAny(s, "-+/=") {
			t.Errorf("key %q contains a character that breaks double-click selection", s)
		}
		got, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(generated) error: %v", err)
		}
		if got != k {
			t.Errorf("Parse(generated) = %+v; want %+v", got, k)
		}
		if got.ID() != "key_"+testID {
			t.Errorf("Parse(generated).ID() = %q; want %q", got.ID(), "key_"+testID)
		}
		if !got.Matches(k.Hash()) {
			t.Error("Matches(own hash) = false; want true")
		}
		if got.Matches(HashSecret("other")) {
			t.Error("Matches(other hash) = true; want false")
		}
		if h := Hint(s); !strings.HasPrefix(h, "sgn_"+kind) || !strings.HasSuffix(h, s[len(s)-4:]) {
			t.Errorf("Hint(%q) = %q; want prefix and last 4", s, h)
		}
	}
}

func TestGenerateIsRandom(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		_, k, err := Generate(KindServiceAccount, testID)
		if err != nil {
			t.Fatal(err)
		}
		if seen[k.Secret] {
			t.Fatalf("secret %q generated twice", k.Secret)
		}
		seen[k.Secret] = true
	}
}

func TestSecretCharacterDistribution(t *testing.T) {
	// Every base62 character should appear; with 36*2000 draws the
	// expected count per character is ~1161, so a missing or wildly
	// over-represented character means a biased generator.
	counts := map[rune]int{}
	for range 2000 {
		_, k, err := Generate(KindPersonal, testID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range k.Secret {
			counts[c]++
		}
	}
	if len(counts) != 62 {
		t.Fatalf("distinct secret characters = %d; want 62", len(counts))
	}
	for c, n := range counts {
		if n < 900 || n > 1450 {
			t.Errorf("count(%q) = %d; want about 1161", c, n)
		}
	}
}

func TestParseRejects(t *testing.T) {
	good, _, err := Generate(KindServiceAccount, testID)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) string {
		b := []byte(good)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrFormat},
		{"junk", "hello world", ErrFormat},
		{"too short", good[:len(good)-1], ErrFormat},
		{"too long", good + "x", ErrFormat},
		{"wrong prefix", "sgx" + good[3:], ErrFormat},
		{"unknown kind", good[:4] + "zz" + good[6:], ErrFormat},
		{"uppercase id", good[:7] + strings.ToUpper(good[7:33]) + good[33:], ErrFormat},
		{"dash in secret", good[:40] + "-" + good[41:], ErrFormat},
		{"typo in secret", flip(40), ErrChecksum},
		{"typo in id", flip(10), ErrChecksum},
		{"typo in checksum", flip(len(good) - 1), ErrChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.in); err != tt.want {
				t.Errorf("Parse(%q) error = %v; want %v", tt.in, err, tt.want)
			}
		})
	}
}

func TestGenerateRejectsBadInput(t *testing.T) {
	if _, _, err := Generate("xx", testID); err == nil {
		t.Error("Generate(unknown kind) succeeded; want error")
	}
	if _, _, err := Generate(KindPersonal, "short"); err == nil {
		t.Error("Generate(bad id) succeeded; want error")
	}
}

func TestParsedID(t *testing.T) {
	good, _, _ := Generate(KindServiceAccount, testID)
	bad := good[:len(good)-1] + "0"
	if id, ok := ParsedID(bad); !ok || id != "key_"+testID {
		t.Errorf("ParsedID(bad checksum) = %q, %v; want %q, true", id, ok, "key_"+testID)
	}
	if _, ok := ParsedID("junk"); ok {
		t.Error("ParsedID(junk) ok = true; want false")
	}
}

func FuzzParse(f *testing.F) {
	good, _, _ := Generate(KindServiceAccount, testID)
	f.Add(good)
	f.Add("")
	f.Add("sgn_pk_")
	f.Add(strings.Repeat("a", Len))
	f.Fuzz(func(t *testing.T, s string) {
		k, err := Parse(s)
		if err != nil {
			if k != (Key{}) {
				t.Fatalf("Parse(%q) returned a key with an error", s)
			}
			return
		}
		if !Regexp.MatchString(s) {
			t.Fatalf("Parse accepted %q, which Pattern does not match", s)
		}
		if len(k.Secret) != secretLen || len(k.RawID) != idLen {
			t.Fatalf("Parse(%q) = %+v; malformed result", s, k)
		}
		if !strings.Contains(s, k.Secret) {
			t.Fatalf("Parse(%q) secret not from input", s)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	s, _, _ := Generate(KindServiceAccount, testID)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseJunk(b *testing.B) {
	s := strings.Repeat("x", Len)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Parse(s)
	}
}

func BenchmarkMatches(b *testing.B) {
	s, k, _ := Generate(KindServiceAccount, testID)
	p, _ := Parse(s)
	h := k.Hash()
	b.ReportAllocs()
	for b.Loop() {
		if !p.Matches(h) {
			b.Fatal("no match")
		}
	}
}

func TestParseAndHashDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	s, _, err := Generate(KindServiceAccount, testID)
	if err != nil {
		t.Fatal(err)
	}
	var sink [32]byte
	allocs := testing.AllocsPerRun(100, func() {
		k, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		sink = k.Hash()
	})
	if allocs != 0 {
		t.Errorf("Parse+Hash allocations = %v; want 0", allocs)
	}
	_ = sink
}

// TestREADMEDocumentsPattern keeps the regular expression the README gives
// secret scanners identical to the one the code uses.
func TestREADMEDocumentsPattern(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "\n"+Pattern+"\n") {
		t.Errorf("README.md does not show the key pattern %s on a line of its own", Pattern)
	}
}
