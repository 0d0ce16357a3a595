package option

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// SNSVerify is options.sns_verify: whether AWS SNS message signatures are checked, and what a failure costs.
type SNSVerify string

// The values of sns_verify.
const (
	VerifyOff     SNSVerify = "off"     // no check: every body is read as before
	VerifyLog     SNSVerify = "log"     // checked; a failure is logged and counted, and the body is still read
	VerifyEnforce SNSVerify = "enforce" // checked; only a signed SNS message whose signature verifies is read
)

// TopicPattern is one entry of options.sns_topic_arns: an SNS topic ARN, arn:<partition>:sns:<region>:<account>:<name>,
// in which a segment may hold '*' wildcards, each matching any run of characters within that segment.
type TopicPattern string

// topicPattern is the grammar of a TopicPattern, as the published schema states it: each segment is either exactly
// of its kind (aws-cn, us-east-1, a 12-digit account, a topic name with an optional .fifo) or holds at least one '*'.
const topicPattern = `^arn:(aws(-[a-z]+)*|\*):(sns|\*):([a-z]{2}(-[a-z]+)+-[0-9]+|[a-z0-9-]*\*[a-z0-9*-]*):` +
	`([0-9]{12}|[0-9]*\*[0-9*]*):([A-Za-z0-9_-]{1,256}(\.fifo)?|[A-Za-z0-9_.-]*\*[A-Za-z0-9_.*-]*)$`

var topicRE = regexp.MustCompile(topicPattern)

// maxTopicBytes bounds a TopicPattern (its validate rule says so too) and the ARNs Matches reads: an SNS topic ARN
// is at most a few hundred bytes.
const maxTopicBytes = 512

// Valid reports whether p is a topic ARN pattern of the grammar above.
func (p TopicPattern) Valid() bool { return topicRE.MatchString(string(p)) }

// Matches reports whether arn, a topic ARN as an SNS message names it, is one p allows: six segments, each matched
// by p's segment, '*' standing for any run of characters that holds no ':'.
func (p TopicPattern) Matches(arn string) bool {
	if len(arn) > maxTopicBytes || strings.Count(arn, ":") != 5 {
		return false
	}
	ps, as := strings.Split(string(p), ":"), strings.Split(arn, ":")
	if len(ps) != len(as) {
		return false
	}
	for i := range ps {
		if !globMatch(ps[i], as[i]) {
			return false
		}
	}
	return true
}

// globMatch matches s against pattern, in which '*' stands for any run of bytes: the usual linear scan that
// backtracks only to the last star, so its cost is at most len(pattern)·len(s).
func globMatch(pattern, s string) bool {
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p, mark = star+1, mark+1
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// TopicAllowed reports whether topic is allowed by sns_topic_arns: any topic when the list is empty, else one that
// an entry matches.
func (o Options) TopicAllowed(topic string) bool {
	if len(o.SNSTopicArns) == 0 {
		return true
	}
	for _, p := range o.SNSTopicArns {
		if p.Matches(topic) {
			return true
		}
	}
	return false
}

// BodySecret is options.body_secret: a secret the user writes into bodies they template (a Datadog payload, a
// Zabbix media type, an AppDynamics HTTP action), which a body must carry at Path.
type BodySecret struct {
	Path  Path   `json:"path" validate:"required,path" doc:"Path in the body, as posted, of the text that must equal value. The field is removed before the body is read, so it never reaches an event."`
	Value Secret `json:"value" validate:"required,min=16,max=256,notmask" doc:"The secret, at least 16 characters. It is never shown: init's metadata echoes it masked, and the mask itself is refused as a value."`
}

// Secret is an option value that must never be shown: JSON, fmt and log renderings of it are a fixed mask, so
// init's metadata, errors and logs cannot leak it. Reveal is the one way to read it.
type Secret string

// SecretMask is how a Secret renders. It is refused as a value: options copied back from init's metadata would
// otherwise make this public text the secret, and every body carrying it would pass.
const SecretMask = "<secret, not shown>" //nolint:gosec // G101: what is shown instead of a secret, not one

// Reveal returns the secret, for the comparison that needs it.
func (s Secret) Reveal() string { return string(s) }

// String is the mask: fmt, and loggers built on it, never print the value.
func (Secret) String() string { return SecretMask }

// GoString is the mask for %#v.
func (Secret) GoString() string { return fmt.Sprintf("%q", SecretMask) }

// MarshalJSON writes the mask: Options.Document, and so init's metadata, show that a secret is set, never what.
func (Secret) MarshalJSON() ([]byte, error) { return json.Marshal(SecretMask) }
