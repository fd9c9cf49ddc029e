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
	os.Exit(m.Run())
}
