package application

import (
	"context"
	"crypto/x509"
	"errors"
	"time"

	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/trust"
)

// Confirmer completes an AWS SNS subscription handshake for a payload that asks for one. It refuses, with an
// error, a URL that is not the topic's own SNS confirmation URL.
type Confirmer interface {
	Confirm(ctx context.Context, sub sourcekit.Subscription) error
}

// Certificates fetches the certificate an AWS SNS message's SigningCertURL names, for the message's topic. It
// refuses, without a request, a URL that is not SNS's own certificate URL for the topic's region, and returns a
// certificate only when its chain verifies to a trusted root and it names SNS as its subject.
type Certificates interface {
	Certificate(ctx context.Context, certURL, topicArn string) (*x509.Certificate, error)
}

// ConfirmError says a subscription was not confirmed; the payload is answered with it.
type ConfirmError struct{ Err error }

func (e *ConfirmError) Error() string { return "The subscription was not confirmed: " + e.Err.Error() }

func (e *ConfirmError) Unwrap() error { return e.Err }

// Clock tells the time a payload was received, for sources whose bodies carry no time of their own.
type Clock interface {
	Now() time.Time
}

// Parse turns one webhook request into events (Event.parse).
type Parse struct {
	confirmer    Confirmer
	certificates Certificates
	clock        Clock
	budget       sourcekit.Budget
}

// NewParse returns a Parse that hands subscription confirmations to c, fetches SNS signing certificates from
// certs, reads the time of receipt from clk and holds every answer to budget.
func NewParse(c Confirmer, certs Certificates, clk Clock, budget sourcekit.Budget) *Parse {
	return &Parse{confirmer: c, certificates: certs, clock: clk, budget: budget}
}

// Handle validates rawOptions, reads data (nil for either means absent) and returns the events, or none when
// the payload was a subscription confirmation. Bad options come back as *option.Error; a body the options do not
// trust as *trust.TopicError, *trust.SecretError or *trust.SignatureError; unreadable payloads as
// *sourcekit.InvalidPayloadError or *pipeline.UnsupportedPayloadError, an answer over budget as
// *sourcekit.LimitError, and a call whose ctx ended as ctx's error. Beside an error, the Result still carries the
// signature check when one ran.
func (uc *Parse) Handle(ctx context.Context, rawOptions, data map[string]any) (pipeline.Result, error) {
	received := uc.clock.Now()
	opts, err := option.Parse(rawOptions)
	if data == nil {
		return pipeline.Result{}, withMissingData(err)
	}
	if err != nil {
		return pipeline.Result{}, err
	}
	body, check, err := uc.trusted(ctx, opts, data)
	if err != nil {
		return pipeline.Result{Signature: check}, err
	}
	res, err := pipeline.Normalize(ctx, opts, body, received, uc.budget)
	if err != nil {
		return pipeline.Result{Signature: check}, err
	}
	res.Signature = check
	if res.Confirm != nil {
		// With verification on, an SNS subscription is confirmed only once its message's signature verified; under
		// log the call says so instead of confirming. OCI's confirmations carry no SNS signature and keep their rules.
		if check.Mode != "" && check.Outcome != trust.Verified && res.Confirm.SignedBySNS() {
			return pipeline.Result{Signature: check}, &ConfirmError{Err: errors.New("its message's AWS SNS signature was not verified: " + check.Reason)}
		}
		if err := uc.confirmer.Confirm(ctx, *res.Confirm); err != nil {
			return pipeline.Result{Signature: check}, &ConfirmError{Err: err}
		}
	}
	return res, nil
}

// trusted applies what the options say a body must prove, cheapest first: the topic allowlist and the body secret
// cost nothing outside the call, so a body that fails them causes no request; the signature may fetch a
// certificate, so it comes last. It returns the body to read: without the secret's field, and under enforce with
// only the signed fields.
func (uc *Parse) trusted(ctx context.Context, opts option.Options, data map[string]any) (map[string]any, trust.Check, error) {
	if err := trust.CheckTopic(opts, data); err != nil {
		return nil, trust.Check{}, err
	}
	body, err := trust.CheckSecret(opts.BodySecret, data)
	if err != nil {
		return nil, trust.Check{}, err
	}
	if opts.SNSVerify == option.VerifyOff {
		return body, trust.Check{}, nil
	}
	msg, err := uc.verify(ctx, data)
	if ctx.Err() != nil {
		return nil, trust.Check{}, ctx.Err() // the call ended while a certificate was fetched: that is its answer
	}
	check := trust.Result(opts.SNSVerify, data, err)
	switch {
	case err == nil && opts.SNSVerify == option.VerifyEnforce:
		return msg.Signed(body), check, nil // the signature covers data; the secret's field stays out all the same
	case err != nil && opts.SNSVerify == option.VerifyEnforce:
		return nil, check, err
	}
	return body, check, nil // log: read the body whatever the check found
}

// verify reads data's SNS message and checks its signature with the key of the certificate it names.
func (uc *Parse) verify(ctx context.Context, data map[string]any) (trust.SNSMessage, error) {
	msg, err := trust.ReadSNS(data)
	if err != nil {
		return msg, err
	}
	cert, err := uc.certificates.Certificate(ctx, msg.CertURL, msg.TopicArn)
	if err != nil {
		return msg, &trust.SignatureError{Reason: "its signing certificate was not accepted: " + err.Error()}
	}
	return msg, msg.Verify(cert.PublicKey)
}

// withMissingData adds the absent data field to the options' violations, so one answer names every problem.
func withMissingData(optErr error) error {
	missing := option.Violation{Kind: option.Required, Key: "data"}
	var oe *option.Error
	if !errors.As(optErr, &oe) {
		return &option.Error{Violations: []option.Violation{missing}}
	}
	return &option.Error{Violations: append([]option.Violation{missing}, oe.Violations...)}
}
