// Package mail writes and sends the emails owed sends to customers: the
// reminder templates, and delivery over SMTP.
package mail
