package collections

import (
	"errors"
	"fmt"
)

// Error codes, in the spirit of HTTP statuses: they say what kind of failure
// happened so that each adapter can tell the user in its own words.
const (
	ECONFLICT     = "conflict"     // the action clashes with the current state
	EINTERNAL     = "internal"     // a bug or an outage; logged, never shown in detail
	EINVALID      = "invalid"      // the input is wrong
	ENOTFOUND     = "not_found"    // no such thing
	EUNAUTHORIZED = "unauthorized" // the caller may not do this
)

// Error is a domain error with a code and a message fit for the user.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of an
// *Error, or a generic sentence that leaks nothing for any other error.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	}
	return "Something went wrong on our side. Please try again in a moment."
}
