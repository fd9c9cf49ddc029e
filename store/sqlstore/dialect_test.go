package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestRebindDollar(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ?", "SELECT * FROM t WHERE a = $1"},
		{"INSERT INTO t (a, b, c) VALUES (?, ?, ?)", "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)"},
		{"a = ? AND b LIKE ? ESCAPE '\\' LIMIT ?", "a = $1 AND b LIKE $2 ESCAPE '\\' LIMIT $3"},
		{"name = ? AND é = ?", "name = $1 AND é = $2"}, // multi-byte runes pass through
		{"?????????????", "$1$2$3$4$5$6$7$8$9$10$11$12$13"},
	}
	for _, tc := range tests {
		if got := rebindDollar(tc.in); got != tc.want {
			t.Errorf("rebindDollar(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestClassifyPostgres(t *testing.T) {
	t.Parallel()
	pg := func(code string) error { return fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code}) }
	tests := []struct {
		name string
		err  error
		want errClass
	}{
		{"unique", pg("23505"), errUnique},
		{"foreign key", pg("23503"), errForeignKey},
		{"check", pg("23514"), errCheck},
		{"not null", pg("23502"), errCheck},
		{"NUL in text", pg("22021"), errCheck},
		{"serialization", pg("40001"), errRetry},
		{"deadlock", pg("40P01"), errRetry},
		{"statement timeout", pg("57014"), errUnavailable},
		{"admin shutdown", pg("57P01"), errUnavailable},
		{"too many connections", pg("53300"), errUnavailable},
		{"connection failure", pg("08006"), errUnavailable},
		{"syntax error", pg("42601"), errOther},
		{"connection closed", io.ErrUnexpectedEOF, errUnavailable},
		{"connect", &pgconn.ConnectError{}, errUnavailable},
		{"conn closed", fmt.Errorf("begin: %w", pgconn.ErrConnClosed), errUnavailable},
		{"deadline", context.DeadlineExceeded, errUnavailable},
		{"other", errors.New("boom"), errOther},
	}
	for _, tc := range tests {
		if got := classifyPostgres(tc.err); got != tc.want {
			t.Errorf("classifyPostgres(%s) = %d; want %d", tc.name, got, tc.want)
		}
	}
}
