package config

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// FieldError is one problem in a configuration file. Line and Column are
// 1-based; 0 means the position is unknown (for example a value inherited
// from the defaults). Field is the dotted path of the setting, such as
// "sip.rtp_ports" or "ports[2].extension"; it is empty for YAML syntax
// errors.
type FieldError struct {
	File   string
	Line   int
	Column int
	Field  string
	Msg    string
}

// Error formats the problem as "file:line: field: message".
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
	}
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one file, in file order.
type ErrorList struct {
	Errors []*FieldError
}

// Error puts each problem on its own line.
func (l *ErrorList) Error() string {
	s := make([]string, len(l.Errors))
	for i, e := range l.Errors {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap lets errors.As find the individual *FieldError values.
func (l *ErrorList) Unwrap() []error {
	errs := make([]error, len(l.Errors))
	for i, e := range l.Errors {
		errs[i] = e
	}
	return errs
}

func (l *ErrorList) add(e *FieldError) { l.Errors = append(l.Errors, e) }

func (l *ErrorList) sort() {
	slices.SortStableFunc(l.Errors, func(a, b *FieldError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}
