package main

import (
	"os"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestMain(m *testing.M) {
	// Servers and offline commands started by these tests hash passwords
	// at bcrypt's lowest cost: at the real one (12) each hash takes
	// seconds under the race detector, and nothing here is about the cost.
	bcryptCost = bcrypt.MinCost
	// A test that needs a server it can kill for real (SIGKILL, not a
	// cancelled context) runs this binary again as that server: see
	// startChild.
	if args, ok := os.LookupEnv(envChildArgs); ok {
		os.Exit(runChild(args))
	}
	os.Exit(m.Run())
}
