package ticket

import "errors"

// Errors returned (wrapped) by this package; test with errors.Is.
var (
	// ErrInvalid: a value is malformed or a required field is missing.
	ErrInvalid = errors.New("invalid ticket")
	// ErrTransition: the state machine does not allow the requested move.
	ErrTransition = errors.New("state transition not allowed")
)
