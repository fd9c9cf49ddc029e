package testdb

import "syscall"

// shmHasRoom reports whether dir is a writable tmpfs with at least 2 GiB
// free: a container's default /dev/shm (64 MiB) is too small for the
// heavy tests' databases.
func shmHasRoom(dir string) bool {
	const tmpfsMagic = 0x01021994
	var fs syscall.Statfs_t
	if syscall.Statfs(dir, &fs) != nil || fs.Type != tmpfsMagic {
		return false
	}
	if syscall.Access(dir, 0x2 /* W_OK */) != nil {
		return false
	}
	return fs.Bavail*uint64(fs.Bsize) >= 2<<30
}
