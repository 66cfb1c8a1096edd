package action

import "errors"

// Errors returned (wrapped) by this package; test with errors.Is.
var (
	// ErrInvalid: a value is malformed or a required field is missing.
	ErrInvalid = errors.New("invalid action run")
	// ErrTransition: the run state machine does not allow the requested move.
	ErrTransition = errors.New("action state transition not allowed")
)

// ErrRefused: the cluster or another tool refused to let the action start
// (a maintenance lock held by someone else); nothing was submitted.
var ErrRefused = errors.New("refused")
