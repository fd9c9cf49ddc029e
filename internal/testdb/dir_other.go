//go:build !linux

package testdb

// shmHasRoom is false where there is no /dev/shm tmpfs to rely on.
func shmHasRoom(string) bool { return false }
