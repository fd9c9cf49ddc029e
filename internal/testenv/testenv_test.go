package testenv_test

import (
	"testing"
	"time"

	"github.com/signetdev/signet/internal/testenv"
)

func TestDeadlineBeforeTheRunsOwn(t *testing.T) {
	got := testenv.Deadline(t)
	if d, ok := t.Deadline(); ok {
		if !got.Before(d) || time.Until(got) < time.Until(d)/2 {
			t.Errorf("Deadline = %v; want shortly before the run's deadline %v", got, d)
		}
	} else if time.Until(got) < 5*time.Minute {
		t.Errorf("Deadline = %v without a run deadline; want a generous one", got)
	}
	ctx := testenv.Context(t)
	if d, ok := ctx.Deadline(); !ok || d.Sub(got).Abs() > time.Second {
		t.Errorf("Context deadline = %v, %v; want about %v", d, ok, got)
	}
}

func TestRequireHeavy(t *testing.T) {
	t.Setenv(testenv.EnvHeavy, "0")
	ran := false
	t.Run("off", func(t *testing.T) {
		testenv.RequireHeavy(t, "a test of the skip")
		ran = true
	})
	if ran {
		t.Errorf("RequireHeavy did not skip with %s=0", testenv.EnvHeavy)
	}
	t.Setenv(testenv.EnvHeavy, "1")
	t.Run("on", func(t *testing.T) {
		testenv.RequireHeavy(t, "a test of the skip")
		ran = true
	})
	if !ran {
		t.Errorf("RequireHeavy skipped with %s=1", testenv.EnvHeavy)
	}
}
