
use builtin;
use str;

set edit:completion:arg-completer[statusinator] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'statusinator'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'statusinator'= {
            cand --store 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]'
            cand --slack-api-url 'Slack Web API base URL (a test stand-in or a proxy goes here)'
            cand --tokens 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others'
            cand --redis-url 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)'
            cand --redis-password-file 'File holding the Redis password on one line (instead of one in --redis-url)'
            cand --redis-ca-file 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)'
            cand --replicas 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit'
            cand -v 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand --verbose 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand -q 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand --quiet 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand onboard 'Check a presets file, store its pictures once and merge its presets into users.json'
            cand apply 'Apply a member''s preset for an emoji now (the manual override)'
            cand poll 'Make every onboarded member''s name and photo match their status: one cycle (for cron), or every DURATION'
            cand serve 'Receive Slack''s user events and apply each member''s preset within seconds (needs SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode)'
            cand forget 'Forget a member: their usual name and photo back, then their presets, pictures, usual profile, state and connected tokens (revoked with Slack) deleted from the store'
            cand preview 'Render the photo a workspace preset makes, from a photo of your choosing (or a plain avatar), without Slack'
            cand tokens 'Who is connected: each member with a token, where it comes from, its workspace, scopes, expiry and state (never the token); forget a member''s token; make a key'
            cand doctor 'Check a setup before anyone relies on it: settings, store, tokens file, each token live with the scopes it needs, the app-level token, the public URL; prints what to fix'
            cand export 'Write every member''s presets and the workspace presets in the store as one users.json, to see, diff, back up or onboard again'
            cand completions 'Print a shell completion script'
            cand man 'Print the manual page (roff) of statusinator, or of one of its commands (read it with `statusinator man | man -l -`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'statusinator;onboard'= {
            cand --store 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]'
            cand --slack-api-url 'Slack Web API base URL (a test stand-in or a proxy goes here)'
            cand --tokens 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others'
            cand --redis-url 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)'
            cand --redis-password-file 'File holding the Redis password on one line (instead of one in --redis-url)'
            cand --redis-ca-file 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)'
            cand --replicas 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit'
            cand --replace 'A member''s presets replace all of theirs, instead of merging emoji by emoji'
            cand --dry-run 'Check everything and print the plan; write nothing'
            cand --json 'Print the result as JSON on stdout'
            cand -v 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand --verbose 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand -q 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand --quiet 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'statusinator;apply'= {
            cand --store 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]'
            cand --slack-api-url 'Slack Web API base URL (a test stand-in or a proxy goes here)'
            cand --tokens 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others'
            cand --redis-url 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)'
            cand --redis-password-file 'File holding the Redis password on one line (instead of one in --redis-url)'
            cand --redis-ca-file 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)'
            cand --replicas 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit'
            cand --dry-run 'Print what would be written; call nothing that writes'
            cand --json 'Print the result as JSON on stdout'
            cand -v 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand --verbose 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand -q 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand --quiet 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'statusinator;poll'= {
            cand --every 'Run a cycle every DURATION (60s, 5m, 1h) until SIGINT/SIGTERM, instead of once'
            cand --concurrency 'Members read and applied at once (Slack''s tiers still pace the calls)'
            cand --forget-deleted-after 'Forget a member deactivated in Slack this long after Slack first said so; 0 keeps their data'
            cand --store 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]'
            cand --slack-api-url 'Slack Web API base URL (a test stand-in or a proxy goes here)'
            cand --tokens 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others'
            cand --redis-url 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)'
            cand --redis-password-file 'File holding the Redis password on one line (instead of one in --redis-url)'
            cand --redis-ca-file 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)'
            cand --replicas 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit'
            cand --dry-run 'Read statuses and print what would change; write nothing'
            cand --json 'Print each cycle''s result as JSON on stdout (one object a line with --every)'
            cand -v 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand --verbose 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand -q 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand --quiet 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'statusinator;serve'= {
            cand --listen 'Address and port to listen on'
            cand --queue-capacity 'Requests that may wait for a worker; beyond it Slack gets 503 and retries'
            cand --dead-letter-capacity 'Retried requests kept while the queue is full'
            cand --workers 'Workers applying queued requests (Slack''s tiers still pace the calls)'
            cand --drain-timeout 'On SIGINT/SIGTERM, how long to keep working the queue before exiting'
            cand --reconcile-every 'Read every member''s status this often (a poll cycle inside serve, first run 10 s after start), so serve alone converges after a crash, a shed burst or an expired status; 0 turns it off'
            cand --forget-deleted-after 'Forget a member deactivated in Slack this long after Slack first said so; 0 keeps their data'
            cand --slack-oauth-url 'Slack''s OAuth authorize page (a test stand-in or a proxy goes here)'
            cand --max-connections 'HTTP connections open at once; past it, the oldest idle one is closed to make room'
            cand --max-connections-per-peer 'HTTP connections one address may hold; past it, that address''s oldest idle one is closed (behind a proxy every connection comes from the proxy: raise it to match)'
            cand --trusted-proxy 'The TLS proxies in front of serve (addresses or CIDR blocks, comma-separated): a request from one is taken as from the client its X-Forwarded-For names'
            cand --socket-connections 'Socket Mode connections kept open (with SLACK_APP_TOKEN; Slack allows 10 an app)'
            cand --store 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]'
            cand --slack-api-url 'Slack Web API base URL (a test stand-in or a proxy goes here)'
            cand --tokens 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others'
            cand --redis-url 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)'
            cand --redis-password-file 'File holding the Redis password on one line (instead of one in --redis-url)'
            cand --redis-ca-file 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)'
            cand --replicas 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit'
            cand -v 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand --verbose 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand -q 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand --quiet 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'statusinator;forget'= {
            cand --store 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]'
            cand --slack-api-url 'Slack Web API base URL (a test stand-in or a proxy goes here)'
            cand --tokens 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others'
            cand --redis-url 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)'
            cand --redis-password-file 'File holding the Redis password on one line (instead of one in --redis-url)'
            cand --redis-ca-file 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)'
            cand --replicas 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit'
            cand --dry-run 'Print what would be deleted; change nothing'
            cand --json 'Print the result as JSON on stdout'
            cand -v 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand --verbose 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand -q 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand --quiet 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'statusinator;preview'= {
            cand --photo 'The photo to make it from (PNG, JPEG or GIF); without it, a plain avatar as for a member with no photo of their own'
            cand -o 'Where to write the PNG'
            cand --output 'Where to write the PNG'
            cand --presets 'Read the rule from this presets file (before onboarding it) instead of users.json'
            cand --workspace 'The workspace (T…) whose own section to use, when users.json has one per workspace'
            cand --store 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]'
            cand --slack-api-url 'Slack Web API base URL (a test stand-in or a proxy goes here)'
            cand --tokens 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others'
            cand --redis-url 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)'
            cand --redis-password-file 'File holding the Redis password on one line (instead of one in --redis-url)'
            cand --redis-ca-file 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)'
            cand --replicas 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit'
            cand -v 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand --verbose 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand -q 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand --quiet 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'statusinator;tokens'= {
            cand --store 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]'
            cand --slack-api-url 'Slack Web API base URL (a test stand-in or a proxy goes here)'
            cand --tokens 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others'
            cand --redis-url 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)'
            cand --redis-password-file 'File holding the Redis password on one line (instead of one in --redis-url)'
            cand --redis-ca-file 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)'
            cand --replicas 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit'
            cand --json 'Print the list as JSON on stdout'
            cand -v 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand --verbose 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand -q 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand --quiet 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand forget 'Remove a member''s connected tokens (in every workspace) from the store; their presets stay, and they connect again to come back'
            cand new-key 'Print a fresh key for STATUSINATOR_SECRET_KEY (32 random bytes, base64)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'statusinator;tokens;forget'= {
            cand --store 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]'
            cand --slack-api-url 'Slack Web API base URL (a test stand-in or a proxy goes here)'
            cand --tokens 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others'
            cand --redis-url 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)'
            cand --redis-password-file 'File holding the Redis password on one line (instead of one in --redis-url)'
            cand --redis-ca-file 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)'
            cand --replicas 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit'
            cand -v 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand --verbose 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand -q 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand --quiet 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'statusinator;tokens;new-key'= {
            cand --store 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]'
            cand --slack-api-url 'Slack Web API base URL (a test stand-in or a proxy goes here)'
            cand --tokens 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others'
            cand --redis-url 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)'
            cand --redis-password-file 'File holding the Redis password on one line (instead of one in --redis-url)'
            cand --redis-ca-file 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)'
            cand --replicas 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit'
            cand -v 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand --verbose 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand -q 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand --quiet 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'statusinator;tokens;help'= {
            cand forget 'Remove a member''s connected tokens (in every workspace) from the store; their presets stay, and they connect again to come back'
            cand new-key 'Print a fresh key for STATUSINATOR_SECRET_KEY (32 random bytes, base64)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'statusinator;tokens;help;forget'= {
        }
        &'statusinator;tokens;help;new-key'= {
        }
        &'statusinator;tokens;help;help'= {
        }
        &'statusinator;doctor'= {
            cand --slack-oauth-url 'Slack''s OAuth authorize page (a test stand-in or a proxy goes here)'
            cand --store 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]'
            cand --slack-api-url 'Slack Web API base URL (a test stand-in or a proxy goes here)'
            cand --tokens 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others'
            cand --redis-url 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)'
            cand --redis-password-file 'File holding the Redis password on one line (instead of one in --redis-url)'
            cand --redis-ca-file 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)'
            cand --replicas 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit'
            cand --json 'Print the checklist as JSON on stdout'
            cand -v 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand --verbose 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand -q 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand --quiet 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'statusinator;export'= {
            cand -o 'Write it to FILE (replaced whole, never half-written) instead of stdout'
            cand --output 'Write it to FILE (replaced whole, never half-written) instead of stdout'
            cand --store 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]'
            cand --slack-api-url 'Slack Web API base URL (a test stand-in or a proxy goes here)'
            cand --tokens 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others'
            cand --redis-url 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)'
            cand --redis-password-file 'File holding the Redis password on one line (instead of one in --redis-url)'
            cand --redis-ca-file 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)'
            cand --replicas 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit'
            cand -v 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand --verbose 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand -q 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand --quiet 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'statusinator;completions'= {
            cand --store 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]'
            cand --slack-api-url 'Slack Web API base URL (a test stand-in or a proxy goes here)'
            cand --tokens 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others'
            cand --redis-url 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)'
            cand --redis-password-file 'File holding the Redis password on one line (instead of one in --redis-url)'
            cand --redis-ca-file 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)'
            cand --replicas 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit'
            cand -v 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand --verbose 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand -q 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand --quiet 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'statusinator;man'= {
            cand --store 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]'
            cand --slack-api-url 'Slack Web API base URL (a test stand-in or a proxy goes here)'
            cand --tokens 'JSON file of each member''s own user token: {"U123": "xoxp-…"}; must not be readable by group or others'
            cand --redis-url 'Redis every process of this deployment shares Slack''s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)'
            cand --redis-password-file 'File holding the Redis password on one line (instead of one in --redis-url)'
            cand --redis-ca-file 'PEM file of the CA that signed a rediss:// server''s certificate (when not a public CA)'
            cand --replicas 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit'
            cand -v 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand --verbose 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
            cand -q 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand --quiet 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'statusinator;help'= {
            cand onboard 'Check a presets file, store its pictures once and merge its presets into users.json'
            cand apply 'Apply a member''s preset for an emoji now (the manual override)'
            cand poll 'Make every onboarded member''s name and photo match their status: one cycle (for cron), or every DURATION'
            cand serve 'Receive Slack''s user events and apply each member''s preset within seconds (needs SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode)'
            cand forget 'Forget a member: their usual name and photo back, then their presets, pictures, usual profile, state and connected tokens (revoked with Slack) deleted from the store'
            cand preview 'Render the photo a workspace preset makes, from a photo of your choosing (or a plain avatar), without Slack'
            cand tokens 'Who is connected: each member with a token, where it comes from, its workspace, scopes, expiry and state (never the token); forget a member''s token; make a key'
            cand doctor 'Check a setup before anyone relies on it: settings, store, tokens file, each token live with the scopes it needs, the app-level token, the public URL; prints what to fix'
            cand export 'Write every member''s presets and the workspace presets in the store as one users.json, to see, diff, back up or onboard again'
            cand completions 'Print a shell completion script'
            cand man 'Print the manual page (roff) of statusinator, or of one of its commands (read it with `statusinator man | man -l -`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'statusinator;help;onboard'= {
        }
        &'statusinator;help;apply'= {
        }
        &'statusinator;help;poll'= {
        }
        &'statusinator;help;serve'= {
        }
        &'statusinator;help;forget'= {
        }
        &'statusinator;help;preview'= {
        }
        &'statusinator;help;tokens'= {
            cand forget 'Remove a member''s connected tokens (in every workspace) from the store; their presets stay, and they connect again to come back'
            cand new-key 'Print a fresh key for STATUSINATOR_SECRET_KEY (32 random bytes, base64)'
        }
        &'statusinator;help;tokens;forget'= {
        }
        &'statusinator;help;tokens;new-key'= {
        }
        &'statusinator;help;doctor'= {
        }
        &'statusinator;help;export'= {
        }
        &'statusinator;help;completions'= {
        }
        &'statusinator;help;man'= {
        }
        &'statusinator;help;help'= {
        }
    ]
    $completions[$command]
}
