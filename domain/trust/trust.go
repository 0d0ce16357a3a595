// Package trust decides whether a webhook body may be believed, before anything is read from it: its SNS topic
// against options.sns_topic_arns, the secret of options.body_secret inside a body the user templates, and the AWS
// SNS message signature of options.sns_verify (read and checked here; the certificate whose key checks it is
// fetched by the caller). Cloudforet hands a plugin the JSON body alone, with no headers, so these are the
// protections that fit inside one. The package fetches nothing and logs nothing.
package trust

import (
	"errors"
	"fmt"

	"github.com/monhook/monhook/domain/option"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Outcome is what signature verification found of one body.
type Outcome string

// The outcomes of a verification.
const (
	Verified Outcome = "verified" // a signed SNS message whose signature verifies with a certificate SNS vouches for
	Failed   Outcome = "failed"   // a signed SNS message whose fields, certificate or signature did not pass
	Unsigned Outcome = "unsigned" // no signed SNS message at all: another source, or SNS delivered without its envelope
)

// Check is the signature verification of one call, for metrics and the log. Its Mode is "" when sns_verify is off.
type Check struct {
	Mode    option.SNSVerify
	Outcome Outcome
	Reason  string // why it did not verify; "" when it did
	Topic   string // the body's TopicArn, when it names one
}

// Result is the Check of a verification that ended with err (nil when the signature verified).
func Result(mode option.SNSVerify, body map[string]any, err error) Check {
	c := Check{Mode: mode, Outcome: Verified}
	c.Topic, _ = body["TopicArn"].(string)
	c.Topic = shorten(c.Topic)
	if err == nil {
		return c
	}
	c.Outcome, c.Reason = Failed, err.Error()
	var se *SignatureError
	if errors.As(err, &se) {
		c.Reason = se.Reason
		if se.Unsigned {
			c.Outcome = Unsigned
		}
	}
	return c
}

// SignatureError says a body's AWS SNS signature was not verified, and why. Unsigned is set when the body is no
// signed SNS message at all.
type SignatureError struct {
	Unsigned bool
	Reason   string
}

func (e *SignatureError) Error() string {
	if e.Unsigned {
		return "The body is not a signed AWS SNS message, and options.sns_verify is enforce: " + e.Reason + "."
	}
	return "The AWS SNS message signature was not verified: " + e.Reason + "."
}

// TopicError says a body's SNS topic is not one options.sns_topic_arns allows. Topic is "" when the body names none.
type TopicError struct{ Topic string }

func (e *TopicError) Error() string {
	if e.Topic == "" {
		return "The body names no SNS topic (TopicArn), and options.sns_topic_arns allows only the topics it lists."
	}
	return fmt.Sprintf("The SNS topic %s is not one of options.sns_topic_arns.", shorten(e.Topic))
}

// CheckTopic holds body's SNS topic, the TopicArn of its envelope, to sns_topic_arns when that is set. It reads the
// body alone, so a refusal costs no request.
func CheckTopic(opts option.Options, body map[string]any) error {
	if len(opts.SNSTopicArns) == 0 {
		return nil
	}
	topic, _ := body["TopicArn"].(string)
	if topic == "" || !opts.TopicAllowed(topic) {
		return &TopicError{Topic: topic}
	}
	return nil
}

// shorten cuts s as every error of a source does (sourcekit.Shorten: 80 characters), reading no more of it than
// that needs: an ARN in a hostile body may be megabytes long.
func shorten(s string) string { return kit.Shorten(s[:min(len(s), 4*81)]) }
