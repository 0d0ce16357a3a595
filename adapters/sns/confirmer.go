// Package sns completes the subscription handshakes of cloud notification services (AWS SNS, OCI Notifications) on
// the application's behalf, and refuses to fetch any URL that is not the service's own confirmation URL.
package sns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"go.uber.org/fx"

	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/source/sourcekit"
)

// DefaultHosts are the hosts a SubscribeURL may name; {region} stands for the region of the topic's ARN.
var DefaultHosts = []string{"sns.{region}.amazonaws.com", "sns.{region}.amazonaws.com.cn"}

// OCIHosts is what the host of an OCI Notifications ConfirmationURL must be: the Notifications data plane of a
// region of Oracle's commercial realm (oc1, oraclecloud.com), as Oracle's SDKs build it
// (https://notification.{region}.{secondLevelDomain}) and as confirmation and unsubscribe URLs name it,
// cell1.notification.<region>.oci.oraclecloud.com or, in older ones, cell1.notification.<region>.oraclecloud.com
// ("Confirming a Subscription", docs.oracle.com/iaas/Content/Notification/Tasks/confirm-subscription.htm; the
// endpoint templates of oracle/oci-python-sdk's ons clients). Other realms (government, sovereign, dedicated) are
// not accepted: their operators confirm by hand.
var OCIHosts = regexp.MustCompile(`^(cell[0-9]{1,3}\.)?notification\.[a-z]{2}(-[a-z]+)+-[0-9]+\.(oci\.)?oraclecloud\.com$`)

// ociPath is GetConfirmSubscription's path: /20181201/subscriptions/<subscription OCID>/confirmation.
var ociPath = regexp.MustCompile(`^/20181201/subscriptions/ocid1\.onssubscription\.[a-z0-9]+\.[a-z0-9-]*\.[a-z0-9._-]+/confirmation$`)

const (
	timeout = 5 * time.Second
	// maxBody bounds what is read of SNS's answer: it is only drained, never used.
	maxBody = 64 << 10
)

// Confirmer confirms a subscription by one HTTPS GET of its SubscribeURL, only when that URL is the topic's own
// SNS confirmation URL: https, an allowed host for the topic's region, Action=ConfirmSubscription and the
// topic's ARN in the query. Redirects are not followed. Anything else is refused and logged, never fetched;
// the Cloudforet plugins fetch whatever URL a body names, which lets any sender make them request any address.
type Confirmer struct {
	client   *http.Client
	hosts    []string
	ociHosts *regexp.Regexp
	log      *slog.Logger
}

// NewConfirmer returns a Confirmer for AWS's SNS hosts.
func NewConfirmer(log *slog.Logger) *Confirmer {
	return NewConfirmerFor(&http.Client{Timeout: timeout}, DefaultHosts, log)
}

// NewConfirmerFor returns a Confirmer that allows SNS hosts (with {region} filled in from the topic) and OCI's
// OCIHosts, and requests through client, whose redirects it turns off.
func NewConfirmerFor(client *http.Client, hosts []string, log *slog.Logger) *Confirmer {
	return NewConfirmerForHosts(client, hosts, OCIHosts, log)
}

// NewConfirmerForHosts is NewConfirmerFor with the OCI hosts allowed given too.
func NewConfirmerForHosts(client *http.Client, hosts []string, ociHosts *regexp.Regexp, log *slog.Logger) *Confirmer {
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if c.Timeout == 0 {
		c.Timeout = timeout
	}
	return &Confirmer{client: &c, hosts: hosts, ociHosts: ociHosts, log: log}
}

// ErrRefused says a SubscribeURL failed the checks and was not requested.
var ErrRefused = errors.New("the SubscribeURL is not this topic's SNS confirmation URL, so it was not requested")

// Confirm checks sub and, when it passes, requests its URL.
func (c *Confirmer) Confirm(ctx context.Context, sub sourcekit.Subscription) error {
	u, err := c.check(sub)
	if err != nil {
		c.log.WarnContext(ctx, "subscription URL refused", "reason", cloudforet.Clip(err.Error()), "host", cloudforet.Clip(hostOf(sub.URL)))
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("request to %s failed: %w", cloudforet.Clip(u.Host), err)
	}
	defer func() { _ = resp.Body.Close() }() // the body is only drained: closing it cannot lose anything
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s answered %s", u.Host, resp.Status)
	}
	c.log.InfoContext(ctx, "subscription confirmed", "topic", cloudforet.Clip(u.Query().Get("TopicArn")))
	return nil
}

// check returns the URL to request, or why it must not be requested, by the rules of sub's provider.
func (c *Confirmer) check(sub sourcekit.Subscription) (*url.URL, error) {
	u, err := url.Parse(sub.URL)
	if err != nil {
		return nil, errors.New("it is not a URL")
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("its scheme is %q, not https", cloudforet.Clip(u.Scheme))
	}
	if u.User != nil {
		return nil, errors.New("it carries user information")
	}
	switch {
	case sub.SignedBySNS():
		return c.checkSNS(u, sub)
	case sub.Provider == sourcekit.OCINotifications:
		return c.checkOCI(u)
	}
	return nil, fmt.Errorf("no confirmation rules for provider %q", cloudforet.Clip(sub.Provider))
}

// checkOCI holds an OCI Notifications ConfirmationURL to GetConfirmSubscription on a host of OCIHosts: the path
// of the subscription's confirmation, a token, and protocol CUSTOM_HTTPS. The URL names no topic (the body does
// not either), so the host and the path are what bind it to OCI.
func (c *Confirmer) checkOCI(u *url.URL) (*url.URL, error) {
	if u.Port() != "" && u.Port() != "443" {
		return nil, fmt.Errorf("its port is %s, not 443", cloudforet.Clip(u.Port()))
	}
	if !c.ociHosts.MatchString(strings.ToLower(u.Hostname())) {
		return nil, fmt.Errorf("its host %s is not OCI Notifications' in a region of oraclecloud.com", cloudforet.Clip(u.Hostname()))
	}
	if !ociPath.MatchString(u.Path) {
		return nil, errors.New("its path is not a subscription's confirmation")
	}
	q := u.Query()
	if q.Get("token") == "" || q.Get("protocol") != "CUSTOM_HTTPS" {
		return nil, errors.New("it has no token, or its protocol is not CUSTOM_HTTPS")
	}
	return u, nil
}

// checkSNS holds an SNS SubscribeURL to the topic's own: an allowed host for the topic's region,
// Action=ConfirmSubscription and the notification's TopicArn.
func (c *Confirmer) checkSNS(u *url.URL, sub sourcekit.Subscription) (*url.URL, error) {
	q := u.Query()
	if q.Get("Action") != "ConfirmSubscription" {
		return nil, errors.New("its Action is not ConfirmSubscription")
	}
	topic := q.Get("TopicArn")
	if topic == "" || (sub.TopicArn != "" && topic != sub.TopicArn) {
		return nil, errors.New("its TopicArn is not the notification's topic")
	}
	region, ok := topicRegion(topic)
	if !ok {
		return nil, errors.New("its TopicArn is not an SNS topic ARN in an AWS region")
	}
	if allowedHost(u.Host, region, c.hosts) {
		return u, nil
	}
	return nil, fmt.Errorf("its host is not SNS's for region %s", region)
}

// awsRegion is what an AWS region looks like: us-east-1, ap-northeast-2, cn-north-1 (China), us-gov-west-1
// (GovCloud), us-iso-east-1. "s3" or "s3-website-us-east-1", which a hand-made ARN may put there, are no region,
// and no URL is built from them.
var awsRegion = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// topicRegion reads the region of an SNS topic ARN, arn:<partition>:sns:<region>:<account>:<name>, when it looks
// like an AWS region.
func topicRegion(arn string) (string, bool) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sns" || len(parts[3]) > 32 || !awsRegion.MatchString(parts[3]) {
		return "", false
	}
	return parts[3], true
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return ""
}

// Module offers the Confirmer as the application's Confirmer, and Certificates as its Certificates.
var Module = fx.Module("sns", fx.Provide(
	fx.Annotate(NewConfirmer, fx.As(new(application.Confirmer))),
	fx.Annotate(NewCertificates, fx.As(new(application.Certificates))),
))
