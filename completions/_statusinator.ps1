
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'statusinator' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'statusinator'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'statusinator' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]')
            [CompletionResult]::new('--slack-api-url', '--slack-api-url', [CompletionResultType]::ParameterName, 'Slack Web API base URL (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)')
            [CompletionResult]::new('--redis-password-file', '--redis-password-file', [CompletionResultType]::ParameterName, 'File holding the Redis password on one line (instead of one in --redis-url)')
            [CompletionResult]::new('--redis-ca-file', '--redis-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('onboard', 'onboard', [CompletionResultType]::ParameterValue, 'Check a presets file, store its pictures once and merge its presets into users.json')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Apply a member''s preset for an emoji now (the manual override)')
            [CompletionResult]::new('poll', 'poll', [CompletionResultType]::ParameterValue, 'Make every onboarded member''s name and photo match their status: one cycle (for cron), or every DURATION')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Receive Slack''s user events and apply each member''s preset within seconds (needs SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode)')
            [CompletionResult]::new('forget', 'forget', [CompletionResultType]::ParameterValue, 'Forget a member: their usual name and photo back, then their presets, pictures, usual profile, state and connected tokens (revoked with Slack) deleted from the store')
            [CompletionResult]::new('preview', 'preview', [CompletionResultType]::ParameterValue, 'Render the photo a workspace preset makes, from a photo of your choosing (or a plain avatar), without Slack')
            [CompletionResult]::new('tokens', 'tokens', [CompletionResultType]::ParameterValue, 'Who is connected: each member with a token, where it comes from, its workspace, scopes, expiry and state (never the token); forget a member''s token; make a key')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check a setup before anyone relies on it: settings, store, tokens file, each token live with the scopes it needs, the app-level token, the public URL; prints what to fix')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write every member''s presets and the workspace presets in the store as one users.json, to see, diff, back up or onboard again')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff) of statusinator, or of one of its commands (read it with `statusinator man | man -l -`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'statusinator;onboard' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]')
            [CompletionResult]::new('--slack-api-url', '--slack-api-url', [CompletionResultType]::ParameterName, 'Slack Web API base URL (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)')
            [CompletionResult]::new('--redis-password-file', '--redis-password-file', [CompletionResultType]::ParameterName, 'File holding the Redis password on one line (instead of one in --redis-url)')
            [CompletionResult]::new('--redis-ca-file', '--redis-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'A member''s presets replace all of theirs, instead of merging emoji by emoji')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Check everything and print the plan; write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'statusinator;apply' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]')
            [CompletionResult]::new('--slack-api-url', '--slack-api-url', [CompletionResultType]::ParameterName, 'Slack Web API base URL (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)')
            [CompletionResult]::new('--redis-password-file', '--redis-password-file', [CompletionResultType]::ParameterName, 'File holding the Redis password on one line (instead of one in --redis-url)')
            [CompletionResult]::new('--redis-ca-file', '--redis-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be written; call nothing that writes')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'statusinator;poll' {
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'Run a cycle every DURATION (60s, 5m, 1h) until SIGINT/SIGTERM, instead of once')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Members read and applied at once (Slack''s tiers still pace the calls)')
            [CompletionResult]::new('--forget-deleted-after', '--forget-deleted-after', [CompletionResultType]::ParameterName, 'Forget a member deactivated in Slack this long after Slack first said so; 0 keeps their data')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]')
            [CompletionResult]::new('--slack-api-url', '--slack-api-url', [CompletionResultType]::ParameterName, 'Slack Web API base URL (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)')
            [CompletionResult]::new('--redis-password-file', '--redis-password-file', [CompletionResultType]::ParameterName, 'File holding the Redis password on one line (instead of one in --redis-url)')
            [CompletionResult]::new('--redis-ca-file', '--redis-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Read statuses and print what would change; write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print each cycle''s result as JSON on stdout (one object a line with --every)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'statusinator;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address and port to listen on')
            [CompletionResult]::new('--queue-capacity', '--queue-capacity', [CompletionResultType]::ParameterName, 'Requests that may wait for a worker; beyond it Slack gets 503 and retries')
            [CompletionResult]::new('--dead-letter-capacity', '--dead-letter-capacity', [CompletionResultType]::ParameterName, 'Retried requests kept while the queue is full')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Workers applying queued requests (Slack''s tiers still pace the calls)')
            [CompletionResult]::new('--drain-timeout', '--drain-timeout', [CompletionResultType]::ParameterName, 'On SIGINT/SIGTERM, how long to keep working the queue before exiting')
            [CompletionResult]::new('--reconcile-every', '--reconcile-every', [CompletionResultType]::ParameterName, 'Read every member''s status this often (a poll cycle inside serve, first run 10 s after start), so serve alone converges after a crash, a shed burst or an expired status; 0 turns it off')
            [CompletionResult]::new('--forget-deleted-after', '--forget-deleted-after', [CompletionResultType]::ParameterName, 'Forget a member deactivated in Slack this long after Slack first said so; 0 keeps their data')
            [CompletionResult]::new('--slack-oauth-url', '--slack-oauth-url', [CompletionResultType]::ParameterName, 'Slack''s OAuth authorize page (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'HTTP connections open at once; past it, the oldest idle one is closed to make room')
            [CompletionResult]::new('--max-connections-per-peer', '--max-connections-per-peer', [CompletionResultType]::ParameterName, 'HTTP connections one address may hold; past it, that address''s oldest idle one is closed (behind a proxy every connection comes from the proxy: raise it to match)')
            [CompletionResult]::new('--trusted-proxy', '--trusted-proxy', [CompletionResultType]::ParameterName, 'The TLS proxies in front of serve (addresses or CIDR blocks, comma-separated): a request from one is taken as from the client its X-Forwarded-For names')
            [CompletionResult]::new('--socket-connections', '--socket-connections', [CompletionResultType]::ParameterName, 'Socket Mode connections kept open (with SLACK_APP_TOKEN; Slack allows 10 an app)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]')
            [CompletionResult]::new('--slack-api-url', '--slack-api-url', [CompletionResultType]::ParameterName, 'Slack Web API base URL (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)')
            [CompletionResult]::new('--redis-password-file', '--redis-password-file', [CompletionResultType]::ParameterName, 'File holding the Redis password on one line (instead of one in --redis-url)')
            [CompletionResult]::new('--redis-ca-file', '--redis-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'statusinator;forget' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]')
            [CompletionResult]::new('--slack-api-url', '--slack-api-url', [CompletionResultType]::ParameterName, 'Slack Web API base URL (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)')
            [CompletionResult]::new('--redis-password-file', '--redis-password-file', [CompletionResultType]::ParameterName, 'File holding the Redis password on one line (instead of one in --redis-url)')
            [CompletionResult]::new('--redis-ca-file', '--redis-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be deleted; change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'statusinator;preview' {
            [CompletionResult]::new('--photo', '--photo', [CompletionResultType]::ParameterName, 'The photo to make it from (PNG, JPEG or GIF); without it, a plain avatar as for a member with no photo of their own')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the PNG')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write the PNG')
            [CompletionResult]::new('--presets', '--presets', [CompletionResultType]::ParameterName, 'Read the rule from this presets file (before onboarding it) instead of users.json')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'The workspace (T…) whose own section to use, when users.json has one per workspace')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]')
            [CompletionResult]::new('--slack-api-url', '--slack-api-url', [CompletionResultType]::ParameterName, 'Slack Web API base URL (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)')
            [CompletionResult]::new('--redis-password-file', '--redis-password-file', [CompletionResultType]::ParameterName, 'File holding the Redis password on one line (instead of one in --redis-url)')
            [CompletionResult]::new('--redis-ca-file', '--redis-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'statusinator;tokens' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]')
            [CompletionResult]::new('--slack-api-url', '--slack-api-url', [CompletionResultType]::ParameterName, 'Slack Web API base URL (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)')
            [CompletionResult]::new('--redis-password-file', '--redis-password-file', [CompletionResultType]::ParameterName, 'File holding the Redis password on one line (instead of one in --redis-url)')
            [CompletionResult]::new('--redis-ca-file', '--redis-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the list as JSON on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('forget', 'forget', [CompletionResultType]::ParameterValue, 'Remove a member''s connected tokens (in every workspace) from the store; their presets stay, and they connect again to come back')
            [CompletionResult]::new('new-key', 'new-key', [CompletionResultType]::ParameterValue, 'Print a fresh key for STATUSINATOR_SECRET_KEY (32 random bytes, base64)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'statusinator;tokens;forget' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]')
            [CompletionResult]::new('--slack-api-url', '--slack-api-url', [CompletionResultType]::ParameterName, 'Slack Web API base URL (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)')
            [CompletionResult]::new('--redis-password-file', '--redis-password-file', [CompletionResultType]::ParameterName, 'File holding the Redis password on one line (instead of one in --redis-url)')
            [CompletionResult]::new('--redis-ca-file', '--redis-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'statusinator;tokens;new-key' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]')
            [CompletionResult]::new('--slack-api-url', '--slack-api-url', [CompletionResultType]::ParameterName, 'Slack Web API base URL (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)')
            [CompletionResult]::new('--redis-password-file', '--redis-password-file', [CompletionResultType]::ParameterName, 'File holding the Redis password on one line (instead of one in --redis-url)')
            [CompletionResult]::new('--redis-ca-file', '--redis-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'statusinator;tokens;help' {
            [CompletionResult]::new('forget', 'forget', [CompletionResultType]::ParameterValue, 'Remove a member''s connected tokens (in every workspace) from the store; their presets stay, and they connect again to come back')
            [CompletionResult]::new('new-key', 'new-key', [CompletionResultType]::ParameterValue, 'Print a fresh key for STATUSINATOR_SECRET_KEY (32 random bytes, base64)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'statusinator;tokens;help;forget' {
            break
        }
        'statusinator;tokens;help;new-key' {
            break
        }
        'statusinator;tokens;help;help' {
            break
        }
        'statusinator;doctor' {
            [CompletionResult]::new('--slack-oauth-url', '--slack-oauth-url', [CompletionResultType]::ParameterName, 'Slack''s OAuth authorize page (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]')
            [CompletionResult]::new('--slack-api-url', '--slack-api-url', [CompletionResultType]::ParameterName, 'Slack Web API base URL (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)')
            [CompletionResult]::new('--redis-password-file', '--redis-password-file', [CompletionResultType]::ParameterName, 'File holding the Redis password on one line (instead of one in --redis-url)')
            [CompletionResult]::new('--redis-ca-file', '--redis-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the checklist as JSON on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'statusinator;export' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write it to FILE (replaced whole, never half-written) instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write it to FILE (replaced whole, never half-written) instead of stdout')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]')
            [CompletionResult]::new('--slack-api-url', '--slack-api-url', [CompletionResultType]::ParameterName, 'Slack Web API base URL (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)')
            [CompletionResult]::new('--redis-password-file', '--redis-password-file', [CompletionResultType]::ParameterName, 'File holding the Redis password on one line (instead of one in --redis-url)')
            [CompletionResult]::new('--redis-ca-file', '--redis-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'statusinator;completions' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]')
            [CompletionResult]::new('--slack-api-url', '--slack-api-url', [CompletionResultType]::ParameterName, 'Slack Web API base URL (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)')
            [CompletionResult]::new('--redis-password-file', '--redis-password-file', [CompletionResultType]::ParameterName, 'File holding the Redis password on one line (instead of one in --redis-url)')
            [CompletionResult]::new('--redis-ca-file', '--redis-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'statusinator;man' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]')
            [CompletionResult]::new('--slack-api-url', '--slack-api-url', [CompletionResultType]::ParameterName, 'Slack Web API base URL (a test stand-in or a proxy goes here)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others')
            [CompletionResult]::new('--redis-url', '--redis-url', [CompletionResultType]::ParameterName, 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)')
            [CompletionResult]::new('--redis-password-file', '--redis-password-file', [CompletionResultType]::ParameterName, 'File holding the Redis password on one line (instead of one in --redis-url)')
            [CompletionResult]::new('--redis-ca-file', '--redis-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'statusinator;help' {
            [CompletionResult]::new('onboard', 'onboard', [CompletionResultType]::ParameterValue, 'Check a presets file, store its pictures once and merge its presets into users.json')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Apply a member''s preset for an emoji now (the manual override)')
            [CompletionResult]::new('poll', 'poll', [CompletionResultType]::ParameterValue, 'Make every onboarded member''s name and photo match their status: one cycle (for cron), or every DURATION')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Receive Slack''s user events and apply each member''s preset within seconds (needs SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode)')
            [CompletionResult]::new('forget', 'forget', [CompletionResultType]::ParameterValue, 'Forget a member: their usual name and photo back, then their presets, pictures, usual profile, state and connected tokens (revoked with Slack) deleted from the store')
            [CompletionResult]::new('preview', 'preview', [CompletionResultType]::ParameterValue, 'Render the photo a workspace preset makes, from a photo of your choosing (or a plain avatar), without Slack')
            [CompletionResult]::new('tokens', 'tokens', [CompletionResultType]::ParameterValue, 'Who is connected: each member with a token, where it comes from, its workspace, scopes, expiry and state (never the token); forget a member''s token; make a key')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check a setup before anyone relies on it: settings, store, tokens file, each token live with the scopes it needs, the app-level token, the public URL; prints what to fix')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write every member''s presets and the workspace presets in the store as one users.json, to see, diff, back up or onboard again')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff) of statusinator, or of one of its commands (read it with `statusinator man | man -l -`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'statusinator;help;onboard' {
            break
        }
        'statusinator;help;apply' {
            break
        }
        'statusinator;help;poll' {
            break
        }
        'statusinator;help;serve' {
            break
        }
        'statusinator;help;forget' {
            break
        }
        'statusinator;help;preview' {
            break
        }
        'statusinator;help;tokens' {
            [CompletionResult]::new('forget', 'forget', [CompletionResultType]::ParameterValue, 'Remove a member''s connected tokens (in every workspace) from the store; their presets stay, and they connect again to come back')
            [CompletionResult]::new('new-key', 'new-key', [CompletionResultType]::ParameterValue, 'Print a fresh key for STATUSINATOR_SECRET_KEY (32 random bytes, base64)')
            break
        }
        'statusinator;help;tokens;forget' {
            break
        }
        'statusinator;help;tokens;new-key' {
            break
        }
        'statusinator;help;doctor' {
            break
        }
        'statusinator;help;export' {
            break
        }
        'statusinator;help;completions' {
            break
        }
        'statusinator;help;man' {
            break
        }
        'statusinator;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
