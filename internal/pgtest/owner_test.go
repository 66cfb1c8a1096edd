package pgtest_test

import (
	"io/fs"
	"syscall"
)

func fileOwner(st fs.FileInfo) uint32 {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return sys.Uid
	}
	return 0
}
