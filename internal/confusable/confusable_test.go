package confusable

import (
	"slices"
	"testing"
)

func TestSkeleton(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"Cyrillic a", "sa_аdmin", "sa_admin", true},
		{"Cyrillic word", "раураl", "paypal", true},
		{"Greek omicron", "lοg", "log", true},
		{"digit zero", "l0g", "log", true},
		{"digit one", "etl-1", "etl-l", true},
		{"capital I as l", "sa_admIn", "sa_admln", true},
		{"rn as m", "sa_adrnin", "sa_admin", true},
		{"case only", "ETL_LOADER", "etl_loader", true},
		{"capital I is l, also in capitals", "SA_ADMIN", "sa_admln", true},
		{"full width", "ｓａ＿ａｄｍｉｎ", "sa_admin", true},
		{"mathematical bold", "𝐬𝐚_admin", "sa_admin", true},
		{"zero-width space", "sa_admin\u200b", "sa_admin", true},
		{"variation selector", "sa_admin\ufe00", "sa_admin", true},
		{"decomposed accent", "Jose\u0301", "José", true},
		{"different letters", "sa_admin", "sa_audit", false},
		{"accent matters", "Jürgen", "Jurgen", false},
		{"different scripts that differ", "Москва", "Moskva", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, kb := Skeleton(tt.a), Skeleton(tt.b)
			if (ka == kb) != tt.same {
				t.Errorf("Skeleton(%q) = %q, Skeleton(%q) = %q; want equal = %v", tt.a, ka, tt.b, kb, tt.same)
			}
		})
	}
}

func TestMixedScripts(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"sa_admin", nil},
		{"sa_аdmin", []string{"Cyrillic", "Latin"}},
		{"Ωmega", []string{"Greek", "Latin"}},
		{"Москва", nil},
		{"Ἀθῆναι", nil},
		{"東京タワー", nil},               // Han with Katakana: Japanese
		{"ひらがなとカタカナ and Latin", nil}, // Japanese with Latin
		{"서울 市", nil},                // Hangul with Han: Korean
		{"ㄅㄆ 中文", nil},               // Bopomofo with Han: Chinese
		{"서울 ひらがな", []string{"Hangul", "Hiragana"}},
		{"علی‌رضا", nil},
		{"ශ්‍රී ලංකා", nil},
		{"build 🚀 bot", nil}, // emoji are Common
		{"José 42", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := MixedScripts(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("MixedScripts(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkSkeleton(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Skeleton("etl-pipeline-production")
	}
}

func BenchmarkMixedScripts(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		MixedScripts("sa_аdmin-production")
	}
}
