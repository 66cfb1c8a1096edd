package pgtest

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// account is who initdb and postgres run as: nil for the current user,
// the "postgres" user when the tests run as root (PostgreSQL refuses to
// run as root).
type account struct {
	uid, gid uint32
}

func runAs() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL must run as the postgres user (Debian's postgresql package creates it): %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("postgres user's uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("postgres user's gid %q: %w", u.Gid, err)
	}
	return &account{uid: uint32(uid), gid: uint32(gid)}, nil
}

// own hands the directories to the account.
func (a *account) own(dirs ...string) error {
	if a == nil {
		return nil
	}
	for _, d := range dirs {
		if err := os.Chown(d, int(a.uid), int(a.gid)); err != nil {
			return fmt.Errorf("give %s to the postgres user: %w", d, err)
		}
	}
	return nil
}

// sysProcAttr runs a child as the account, and asks the kernel to stop it
// if the test binary dies without stopping it (a panic, a kill), so no
// server outlives its tests.
func (a *account) sysProcAttr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{}
	setDeathSignal(attr)
	if a != nil {
		attr.Credential = &syscall.Credential{Uid: a.uid, Gid: a.gid}
	}
	return attr
}
