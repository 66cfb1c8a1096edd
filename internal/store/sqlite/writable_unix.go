//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/operator-dev/operator/internal/store"
)

// checkWritable asks the kernel (access(2), which knows about root, ACLs,
// immutable files and read-only mounts) whether path may be written.
// SQLite itself would silently open a read-only file read-only and fail
// only at the first write, long after start-up said all was well.
func checkWritable(path, what string) error {
	const wOK = 0x2 // W_OK, the same on every Unix
	err := syscall.Access(path, wOK)
	switch {
	case err == nil, errors.Is(err, syscall.ENOENT):
		return nil
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EROFS):
		return fmt.Errorf("%w: %s %s cannot be written (%v); the operator needs to write it", store.ErrReadOnly, what, path, err)
	}
	return fmt.Errorf("check %s %s: %w", what, path, err)
}
