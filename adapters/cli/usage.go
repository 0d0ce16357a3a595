package cli

import "github.com/spf13/cobra"

// UsageError is a command line that cannot be read: an unknown command or flag, a flag value of the wrong type,
// the wrong number of arguments. The command exits 2 for it, 1 for any other failure.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }

func (e UsageError) Unwrap() error { return e.Err }

// Usage marks what an argument check refuses as a UsageError.
func Usage(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return UsageError{Err: err}
		}
		return nil
	}
}
