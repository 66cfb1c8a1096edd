package pgtest

import "syscall"

// setDeathSignal: SIGQUIT is PostgreSQL's immediate shutdown, which also
// ends the backends the postmaster started.
func setDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGQUIT }
