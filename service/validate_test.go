package service

import (
	"strings"
	"testing"

	signet "github.com/signetdev/signet"
)

func TestValidateName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string // the stored name, when accepted
		wantMsg string // a substring of the message, when refused
	}{
		// Normalisation.
		{name: "NFC", in: "e\u0301tl", want: "étl"},
		{name: "NFC after trim", in: "  Jose\u0301  ", want: "José"},
		{name: "ideographic space", in: "a\u3000b", want: "a b"},
		{name: "no-break space", in: "a\u00a0b", want: "a b"},
		{name: "hair space", in: "sa\u200aadmin", want: "sa admin"},
		{name: "runs of spaces", in: "data   team", want: "data team"},

		// Ordinary names of many scripts stay as they are.
		{name: "ASCII", in: "etl-pipeline_2", want: "etl-pipeline_2"},
		{name: "accents", in: "Zoë Ångström-Müller", want: "Zoë Ångström-Müller"},
		{name: "Cyrillic", in: "Москва", want: "Москва"},
		{name: "Greek", in: "Ἀθῆναι", want: "Ἀθῆναι"},
		{name: "Hebrew with points", in: "שָׁלוֹם", want: "שָׁלוֹם"},
		{name: "Arabic", in: "محمد", want: "محمد"},
		{name: "Persian with ZWNJ", in: "علی\u200cرضا", want: "علی\u200cرضا"},
		{name: "Devanagari", in: "नमस्ते", want: "नमस्ते"},
		{name: "Sinhala with ZWJ after virama", in: "ශ්\u200dරී ලංකා", want: "ශ්\u200dරී ලංකා"},
		{name: "Japanese", in: "東京タワー", want: "東京タワー"},
		{name: "Japanese ideographic variant", in: "葛\U000E0100城", want: "葛\U000E0100城"},
		{name: "Korean", in: "서울", want: "서울"},
		{name: "Thai", in: "กรุงเทพ", want: "กรุงเทพ"},
		{name: "Vietnamese", in: "Nguyễn", want: "Nguyễn"},
		{name: "emoji", in: "deploy 🚀", want: "deploy 🚀"},
		{name: "emoji ZWJ sequence", in: "👩\u200d💻 bots", want: "👩\u200d💻 bots"},
		{name: "emoji with skin tone and ZWJ", in: "👩🏽\u200d💻", want: "👩🏽\u200d💻"},
		{name: "emoji presentation", in: "❤\ufe0f team", want: "❤\ufe0f team"},
		{name: "rainbow flag", in: "🏳\ufe0f\u200d🌈", want: "🏳\ufe0f\u200d🌈"},

		// Names that look like ids, which the CLI could not tell from one.
		{name: "service account id prefix", in: "sa_admin", wantMsg: `name "sa_admin" looks like an id: names may not begin with "sa_"`},
		{name: "user id prefix", in: "usr_bob", wantMsg: `begin with "usr_"`},
		{name: "key id prefix", in: "key_01jd5x", wantMsg: `begin with "key_"`},
		{name: "workspace id prefix", in: "ws_prod", wantMsg: `begin with "ws_"`},
		{name: "role id prefix", in: "role_admin", wantMsg: `begin with "role_"`},
		{name: "group id prefix", in: "grp_admins", wantMsg: `begin with "grp_"`},
		{name: "grant id prefix", in: "grant_x", wantMsg: `begin with "grant_"`},
		{name: "event id prefix", in: "evt_x", wantMsg: `begin with "evt_"`},
		{name: "session id prefix", in: "ses_x", wantMsg: `begin with "ses_"`},
		{name: "key string prefix", in: "sgn_sa_thing", wantMsg: `begin with "sgn_"`},
		{name: "id prefix in capitals", in: "SA_ADMIN", wantMsg: `begin with "sa_"`},
		{name: "id prefix after trimming", in: "  ws_prod", wantMsg: `begin with "ws_"`},
		{name: "id prefix in full width", in: "ｓａ＿admin", wantMsg: `begin with "sa_"`},
		{name: "prefix without underscore", in: "sa-admin", want: "sa-admin"},
		{name: "prefix inside", in: "etl_sa_admin", want: "etl_sa_admin"},
		{name: "prefix as a word", in: "role admin", want: "role admin"},

		// Invisible and text-direction characters.
		{name: "right-to-left override", in: "sa_\u202enimda", wantMsg: "must not contain invisible or text-direction characters (U+202E at position 4)"},
		{name: "left-to-right embedding", in: "a\u202ab", wantMsg: "(U+202A at position 2)"},
		{name: "pop directional formatting", in: "a\u202cb", wantMsg: "(U+202C at position 2)"},
		{name: "right-to-left isolate", in: "a\u2067b", wantMsg: "(U+2067 at position 2)"},
		{name: "pop directional isolate", in: "a\u2069b", wantMsg: "(U+2069 at position 2)"},
		{name: "left-to-right mark", in: "a\u200eb", wantMsg: "(U+200E at position 2)"},
		{name: "right-to-left mark", in: "a\u200fb", wantMsg: "(U+200F at position 2)"},
		{name: "Arabic letter mark", in: "a\u061cb", wantMsg: "(U+061C at position 2)"},
		{name: "zero-width space", in: "sa_admin\u200b", wantMsg: "invisible or text-direction characters (U+200B at position 9)"},
		{name: "zero-width non-joiner in Latin", in: "sa_ad\u200cmin", wantMsg: "(U+200C at position 6)"},
		{name: "zero-width joiner in Latin", in: "sa_ad\u200dmin", wantMsg: "(U+200D at position 6)"},
		{name: "zero-width joiner after emoji only", in: "🚀\u200dx", wantMsg: "(U+200D at position 2)"},
		{name: "word joiner", in: "a\u2060b", wantMsg: "(U+2060 at position 2)"},
		{name: "byte order mark", in: "\ufeffadmin", wantMsg: "(U+FEFF at position 1)"},
		{name: "soft hyphen", in: "ad\u00admin", wantMsg: "(U+00AD at position 3)"},
		{name: "Mongolian vowel separator", in: "a\u180eb", wantMsg: "(U+180E at position 2)"},
		{name: "invisible times", in: "a\u2062b", wantMsg: "(U+2062 at position 2)"},
		{name: "tag character", in: "admin\U000E0041", wantMsg: "(U+E0041 at position 6)"},
		{name: "Hangul filler", in: "admin\u3164", wantMsg: "(U+3164 at position 6)"},
		{name: "Hangul choseong filler", in: "\u115fadmin", wantMsg: "(U+115F at position 1)"},
		{name: "Hangul jungseong filler", in: "a\u1160", wantMsg: "(U+1160 at position 2)"},
		{name: "halfwidth Hangul filler", in: "a\uffa0b", wantMsg: "(U+FFA0 at position 2)"},
		{name: "combining grapheme joiner", in: "a\u034fb", wantMsg: "(U+034F at position 2)"},
		{name: "Khmer inherent vowel", in: "a\u17b4b", wantMsg: "(U+17B4 at position 2)"},
		{name: "variation selector after Latin", in: "admin\ufe00", wantMsg: "(U+FE00 at position 6)"},
		{name: "emoji selector after Latin", in: "admin\ufe0f", wantMsg: "(U+FE0F at position 6)"},
		{name: "ideographic selector after Latin", in: "admin\U000E0100", wantMsg: "(U+E0100 at position 6)"},
		{name: "only invisible", in: "\u200b", wantMsg: "(U+200B at position 1)"},

		// Unassigned, private use, control characters, stacked marks.
		{name: "unassigned", in: "a\u0378", wantMsg: "unassigned or private-use characters (U+0378 at position 2)"},
		{name: "private use", in: "\ue000admin", wantMsg: "unassigned or private-use characters (U+E000 at position 1)"},
		{name: "noncharacter", in: "a\uffff", wantMsg: "unassigned or private-use characters (U+FFFF at position 2)"},
		{name: "tab", in: "a\tb", wantMsg: "control characters such as tabs or line breaks (U+0009 at position 2)"},
		{name: "next line", in: "a\u0085b", wantMsg: "control characters"},
		{name: "line separator", in: "a\u2028b", wantMsg: "control characters"},
		{name: "Zalgo", in: "a" + strings.Repeat("\u0316", maxMarks+1), wantMsg: "more than 6 combining marks on one character (at position 8)"},
		{name: "six marks", in: "a" + strings.Repeat("\u0316", maxMarks), want: "a" + strings.Repeat("\u0316", maxMarks)},

		// What held before.
		{name: "empty", in: " \u3000 ", wantMsg: "service account name is required"},
		{name: "invalid UTF-8", in: "a\xffb", wantMsg: "valid UTF-8"},
		{name: "too long after NFC", in: strings.Repeat("e\u0301", signet.MaxNameLen), want: strings.Repeat("é", signet.MaxNameLen)},
		{name: "too long", in: strings.Repeat("é", signet.MaxNameLen+1), wantMsg: "the limit is 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := validateName("service account", tt.in)
			if tt.wantMsg != "" {
				if signet.ErrorCode(err) != signet.EINVALID || !strings.Contains(signet.ErrorMessage(err), tt.wantMsg) {
					t.Fatalf("validateName(%+q) = %+q, %v; want EINVALID containing %q", tt.in, got, err, tt.wantMsg)
				}
				if !strings.HasPrefix(signet.ErrorMessage(err), "service account name ") {
					t.Errorf("message %q does not say which field", signet.ErrorMessage(err))
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("validateName(%+q) = %+q, %v; want %+q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestValidateText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want, wantMsg string
	}{
		{name: "NFC", in: "cafe\u0301 loader", want: "café loader"},
		{name: "lines and tabs", in: "one\n\ttwo", want: "one\n\ttwo"},
		{name: "joiners in prose", in: "علی\u200cرضا 👩\u200d💻 soft\u00adhyphen", want: "علی\u200cرضا 👩\u200d💻 soft\u00adhyphen"},
		{name: "override", in: "harmless \u202etxt.exe", wantMsg: "description must not contain invisible or text-direction characters (U+202E at position 10)"},
		{name: "isolate", in: "a\u2066b", wantMsg: "(U+2066 at position 2)"},
		{name: "tag characters", in: "ok\U000E0069\U000E0067", wantMsg: "(U+E0069 at position 3)"},
		{name: "control", in: "a\x00b", wantMsg: "description must not contain control characters (U+0000 at position 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := validateDescription(tt.in)
			if tt.wantMsg != "" {
				if signet.ErrorCode(err) != signet.EINVALID || !strings.Contains(signet.ErrorMessage(err), tt.wantMsg) {
					t.Fatalf("validateDescription(%+q) = %+q, %v; want EINVALID containing %q", tt.in, got, err, tt.wantMsg)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("validateDescription(%+q) = %+q, %v; want %+q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestValidateEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want, wantMsg string
	}{
		{name: "plain", in: " ada@example.com ", want: "ada@example.com"},
		{name: "NFC", in: "jose\u0301@example.com", want: "josé@example.com"},
		{name: "zero-width space", in: "ada\u200b@example.com", wantMsg: "email must not contain invisible or text-direction characters (U+200B at position 4)"},
		{name: "override", in: "\u202emoc.elpmaxe@ada", wantMsg: "(U+202E at position 1)"},
		{name: "soft hyphen", in: "a\u00adda@example.com", wantMsg: "(U+00AD at position 2)"},
		{name: "display name", in: "Ada <ada@example.com>", wantMsg: "not a valid address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := validateEmail(tt.in)
			if tt.wantMsg != "" {
				if signet.ErrorCode(err) != signet.EINVALID || !strings.Contains(signet.ErrorMessage(err), tt.wantMsg) {
					t.Fatalf("validateEmail(%+q) = %+q, %v; want EINVALID containing %q", tt.in, got, err, tt.wantMsg)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("validateEmail(%+q) = %+q, %v; want %+q", tt.in, got, err, tt.want)
			}
		})
	}
}
