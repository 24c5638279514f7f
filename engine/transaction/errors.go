package transaction

import "errors"

// Errors reported to transaction users.
var (
	// ErrTimeout is Timer B or F: no final response came in time
	// (RFC 3261 §17.1.1.2, §17.1.2.2), or Timer H: no ACK came.
	ErrTimeout = errors.New("transaction: timed out")
	// ErrExists refuses a client transaction whose branch is in use.
	ErrExists = errors.New("transaction: branch already in use")
	// ErrOverload refuses new transactions past Config.MaxTransactions.
	ErrOverload = errors.New("transaction: too many transactions")
	// ErrState refuses an action the transaction's state does not allow,
	// such as a second final response.
	ErrState = errors.New("transaction: not allowed in this state")
	// ErrNotSent tells Respond's caller that the response could not be
	// sent; the failure itself reaches the TU through OnServerFailure.
	ErrNotSent = errors.New("transaction: response not sent")
	// ErrNotRequest refuses a response where a request is needed.
	ErrNotRequest = errors.New("transaction: not a request")
)
