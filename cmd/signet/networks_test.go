package main

import (
	"fmt"
	"testing"
)

func TestParseNetworks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"127.0.0.0/8,::1/128", "[127.0.0.0/8 ::1/128]", false},
		{" 10.1.2.3/8 , 192.0.2.7 ", "[10.0.0.0/8 192.0.2.7/32]", false},
		{"::ffff:10.0.0.1", "[10.0.0.1/32]", false},
		{"", "[]", false},
		{"10.0.0.0/33", "", true},
		{"localhost", "", true},
	}
	for _, tt := range tests {
		got, err := parseNetworks(tt.in)
		if (err != nil) != tt.wantErr || (err == nil && fmt.Sprint(got) != tt.want) {
			t.Errorf("parseNetworks(%q) = %v, %v; want %s (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
