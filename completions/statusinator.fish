# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_statusinator_global_optspecs
    string join \n store= slack-api-url= tokens= redis-url= redis-password-file= redis-ca-file= replicas= v/verbose q/quiet h/help V/version
end

function __fish_statusinator_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_statusinator_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_statusinator_using_subcommand
    set -l cmd (__fish_statusinator_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c statusinator -n "__fish_statusinator_needs_command" -l store -d 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]' -r
complete -c statusinator -n "__fish_statusinator_needs_command" -l slack-api-url -d 'Slack Web API base URL (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_needs_command" -l tokens -d 'JSON file of each member\'s own user token: {"U123": "xoxp-…"}; must not be readable by group or others' -r -F
complete -c statusinator -n "__fish_statusinator_needs_command" -l redis-url -d 'Redis every process of this deployment shares Slack\'s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)' -r
complete -c statusinator -n "__fish_statusinator_needs_command" -l redis-password-file -d 'File holding the Redis password on one line (instead of one in --redis-url)' -r -F
complete -c statusinator -n "__fish_statusinator_needs_command" -l redis-ca-file -d 'PEM file of the CA that signed a rediss:// server\'s certificate (when not a public CA)' -r -F
complete -c statusinator -n "__fish_statusinator_needs_command" -l replicas -d 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit' -r
complete -c statusinator -n "__fish_statusinator_needs_command" -s v -l verbose -d 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_needs_command" -s q -l quiet -d 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_needs_command" -s h -l help -d 'Print help'
complete -c statusinator -n "__fish_statusinator_needs_command" -s V -l version -d 'Print version'
complete -c statusinator -n "__fish_statusinator_needs_command" -f -a "onboard" -d 'Check a presets file, store its pictures once and merge its presets into users.json'
complete -c statusinator -n "__fish_statusinator_needs_command" -f -a "apply" -d 'Apply a member\'s preset for an emoji now (the manual override)'
complete -c statusinator -n "__fish_statusinator_needs_command" -f -a "poll" -d 'Make every onboarded member\'s name and photo match their status: one cycle (for cron), or every DURATION'
complete -c statusinator -n "__fish_statusinator_needs_command" -f -a "serve" -d 'Receive Slack\'s user events and apply each member\'s preset within seconds (needs SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode)'
complete -c statusinator -n "__fish_statusinator_needs_command" -f -a "forget" -d 'Forget a member: their usual name and photo back, then their presets, pictures, usual profile, state and connected tokens (revoked with Slack) deleted from the store'
complete -c statusinator -n "__fish_statusinator_needs_command" -f -a "preview" -d 'Render the photo a workspace preset makes, from a photo of your choosing (or a plain avatar), without Slack'
complete -c statusinator -n "__fish_statusinator_needs_command" -f -a "tokens" -d 'Who is connected: each member with a token, where it comes from, its workspace, scopes, expiry and state (never the token); forget a member\'s token; make a key'
complete -c statusinator -n "__fish_statusinator_needs_command" -f -a "doctor" -d 'Check a setup before anyone relies on it: settings, store, tokens file, each token live with the scopes it needs, the app-level token, the public URL; prints what to fix'
complete -c statusinator -n "__fish_statusinator_needs_command" -f -a "export" -d 'Write every member\'s presets and the workspace presets in the store as one users.json, to see, diff, back up or onboard again'
complete -c statusinator -n "__fish_statusinator_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c statusinator -n "__fish_statusinator_needs_command" -f -a "man" -d 'Print the manual page (roff) of statusinator, or of one of its commands (read it with `statusinator man | man -l -`)'
complete -c statusinator -n "__fish_statusinator_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c statusinator -n "__fish_statusinator_using_subcommand onboard" -l store -d 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand onboard" -l slack-api-url -d 'Slack Web API base URL (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand onboard" -l tokens -d 'JSON file of each member\'s own user token: {"U123": "xoxp-…"}; must not be readable by group or others' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand onboard" -l redis-url -d 'Redis every process of this deployment shares Slack\'s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand onboard" -l redis-password-file -d 'File holding the Redis password on one line (instead of one in --redis-url)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand onboard" -l redis-ca-file -d 'PEM file of the CA that signed a rediss:// server\'s certificate (when not a public CA)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand onboard" -l replicas -d 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand onboard" -l replace -d 'A member\'s presets replace all of theirs, instead of merging emoji by emoji'
complete -c statusinator -n "__fish_statusinator_using_subcommand onboard" -l dry-run -d 'Check everything and print the plan; write nothing'
complete -c statusinator -n "__fish_statusinator_using_subcommand onboard" -l json -d 'Print the result as JSON on stdout'
complete -c statusinator -n "__fish_statusinator_using_subcommand onboard" -s v -l verbose -d 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand onboard" -s q -l quiet -d 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand onboard" -s h -l help -d 'Print help'
complete -c statusinator -n "__fish_statusinator_using_subcommand onboard" -s V -l version -d 'Print version'
complete -c statusinator -n "__fish_statusinator_using_subcommand apply" -l store -d 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand apply" -l slack-api-url -d 'Slack Web API base URL (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand apply" -l tokens -d 'JSON file of each member\'s own user token: {"U123": "xoxp-…"}; must not be readable by group or others' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand apply" -l redis-url -d 'Redis every process of this deployment shares Slack\'s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand apply" -l redis-password-file -d 'File holding the Redis password on one line (instead of one in --redis-url)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand apply" -l redis-ca-file -d 'PEM file of the CA that signed a rediss:// server\'s certificate (when not a public CA)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand apply" -l replicas -d 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand apply" -l dry-run -d 'Print what would be written; call nothing that writes'
complete -c statusinator -n "__fish_statusinator_using_subcommand apply" -l json -d 'Print the result as JSON on stdout'
complete -c statusinator -n "__fish_statusinator_using_subcommand apply" -s v -l verbose -d 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand apply" -s q -l quiet -d 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand apply" -s h -l help -d 'Print help'
complete -c statusinator -n "__fish_statusinator_using_subcommand apply" -s V -l version -d 'Print version'
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -l every -d 'Run a cycle every DURATION (60s, 5m, 1h) until SIGINT/SIGTERM, instead of once' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -l concurrency -d 'Members read and applied at once (Slack\'s tiers still pace the calls)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -l forget-deleted-after -d 'Forget a member deactivated in Slack this long after Slack first said so; 0 keeps their data' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -l store -d 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -l slack-api-url -d 'Slack Web API base URL (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -l tokens -d 'JSON file of each member\'s own user token: {"U123": "xoxp-…"}; must not be readable by group or others' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -l redis-url -d 'Redis every process of this deployment shares Slack\'s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -l redis-password-file -d 'File holding the Redis password on one line (instead of one in --redis-url)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -l redis-ca-file -d 'PEM file of the CA that signed a rediss:// server\'s certificate (when not a public CA)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -l replicas -d 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -l dry-run -d 'Read statuses and print what would change; write nothing'
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -l json -d 'Print each cycle\'s result as JSON on stdout (one object a line with --every)'
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -s v -l verbose -d 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -s q -l quiet -d 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -s h -l help -d 'Print help'
complete -c statusinator -n "__fish_statusinator_using_subcommand poll" -s V -l version -d 'Print version'
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l listen -d 'Address and port to listen on' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l queue-capacity -d 'Requests that may wait for a worker; beyond it Slack gets 503 and retries' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l dead-letter-capacity -d 'Retried requests kept while the queue is full' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l workers -d 'Workers applying queued requests (Slack\'s tiers still pace the calls)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l drain-timeout -d 'On SIGINT/SIGTERM, how long to keep working the queue before exiting' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l reconcile-every -d 'Read every member\'s status this often (a poll cycle inside serve, first run 10 s after start), so serve alone converges after a crash, a shed burst or an expired status; 0 turns it off' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l forget-deleted-after -d 'Forget a member deactivated in Slack this long after Slack first said so; 0 keeps their data' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l slack-oauth-url -d 'Slack\'s OAuth authorize page (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l max-connections -d 'HTTP connections open at once; past it, the oldest idle one is closed to make room' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l max-connections-per-peer -d 'HTTP connections one address may hold; past it, that address\'s oldest idle one is closed (behind a proxy every connection comes from the proxy: raise it to match)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l trusted-proxy -d 'The TLS proxies in front of serve (addresses or CIDR blocks, comma-separated): a request from one is taken as from the client its X-Forwarded-For names' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l socket-connections -d 'Socket Mode connections kept open (with SLACK_APP_TOKEN; Slack allows 10 an app)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l store -d 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l slack-api-url -d 'Slack Web API base URL (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l tokens -d 'JSON file of each member\'s own user token: {"U123": "xoxp-…"}; must not be readable by group or others' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l redis-url -d 'Redis every process of this deployment shares Slack\'s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l redis-password-file -d 'File holding the Redis password on one line (instead of one in --redis-url)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l redis-ca-file -d 'PEM file of the CA that signed a rediss:// server\'s certificate (when not a public CA)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -l replicas -d 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -s v -l verbose -d 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -s q -l quiet -d 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -s h -l help -d 'Print help'
complete -c statusinator -n "__fish_statusinator_using_subcommand serve" -s V -l version -d 'Print version'
complete -c statusinator -n "__fish_statusinator_using_subcommand forget" -l store -d 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand forget" -l slack-api-url -d 'Slack Web API base URL (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand forget" -l tokens -d 'JSON file of each member\'s own user token: {"U123": "xoxp-…"}; must not be readable by group or others' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand forget" -l redis-url -d 'Redis every process of this deployment shares Slack\'s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand forget" -l redis-password-file -d 'File holding the Redis password on one line (instead of one in --redis-url)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand forget" -l redis-ca-file -d 'PEM file of the CA that signed a rediss:// server\'s certificate (when not a public CA)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand forget" -l replicas -d 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand forget" -l dry-run -d 'Print what would be deleted; change nothing'
complete -c statusinator -n "__fish_statusinator_using_subcommand forget" -l json -d 'Print the result as JSON on stdout'
complete -c statusinator -n "__fish_statusinator_using_subcommand forget" -s v -l verbose -d 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand forget" -s q -l quiet -d 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand forget" -s h -l help -d 'Print help'
complete -c statusinator -n "__fish_statusinator_using_subcommand forget" -s V -l version -d 'Print version'
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -l photo -d 'The photo to make it from (PNG, JPEG or GIF); without it, a plain avatar as for a member with no photo of their own' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -s o -l output -d 'Where to write the PNG' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -l presets -d 'Read the rule from this presets file (before onboarding it) instead of users.json' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -l workspace -d 'The workspace (T…) whose own section to use, when users.json has one per workspace' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -l store -d 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -l slack-api-url -d 'Slack Web API base URL (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -l tokens -d 'JSON file of each member\'s own user token: {"U123": "xoxp-…"}; must not be readable by group or others' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -l redis-url -d 'Redis every process of this deployment shares Slack\'s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -l redis-password-file -d 'File holding the Redis password on one line (instead of one in --redis-url)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -l redis-ca-file -d 'PEM file of the CA that signed a rediss:// server\'s certificate (when not a public CA)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -l replicas -d 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -s v -l verbose -d 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -s q -l quiet -d 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -s h -l help -d 'Print help'
complete -c statusinator -n "__fish_statusinator_using_subcommand preview" -s V -l version -d 'Print version'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -l store -d 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -l slack-api-url -d 'Slack Web API base URL (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -l tokens -d 'JSON file of each member\'s own user token: {"U123": "xoxp-…"}; must not be readable by group or others' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -l redis-url -d 'Redis every process of this deployment shares Slack\'s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -l redis-password-file -d 'File holding the Redis password on one line (instead of one in --redis-url)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -l redis-ca-file -d 'PEM file of the CA that signed a rediss:// server\'s certificate (when not a public CA)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -l replicas -d 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -l json -d 'Print the list as JSON on stdout'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -s v -l verbose -d 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -s q -l quiet -d 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -s h -l help -d 'Print help'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -s V -l version -d 'Print version'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -f -a "forget" -d 'Remove a member\'s connected tokens (in every workspace) from the store; their presets stay, and they connect again to come back'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -f -a "new-key" -d 'Print a fresh key for STATUSINATOR_SECRET_KEY (32 random bytes, base64)'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and not __fish_seen_subcommand_from forget new-key help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from forget" -l store -d 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from forget" -l slack-api-url -d 'Slack Web API base URL (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from forget" -l tokens -d 'JSON file of each member\'s own user token: {"U123": "xoxp-…"}; must not be readable by group or others' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from forget" -l redis-url -d 'Redis every process of this deployment shares Slack\'s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from forget" -l redis-password-file -d 'File holding the Redis password on one line (instead of one in --redis-url)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from forget" -l redis-ca-file -d 'PEM file of the CA that signed a rediss:// server\'s certificate (when not a public CA)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from forget" -l replicas -d 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from forget" -s v -l verbose -d 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from forget" -s q -l quiet -d 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from forget" -s h -l help -d 'Print help'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from forget" -s V -l version -d 'Print version'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from new-key" -l store -d 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from new-key" -l slack-api-url -d 'Slack Web API base URL (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from new-key" -l tokens -d 'JSON file of each member\'s own user token: {"U123": "xoxp-…"}; must not be readable by group or others' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from new-key" -l redis-url -d 'Redis every process of this deployment shares Slack\'s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from new-key" -l redis-password-file -d 'File holding the Redis password on one line (instead of one in --redis-url)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from new-key" -l redis-ca-file -d 'PEM file of the CA that signed a rediss:// server\'s certificate (when not a public CA)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from new-key" -l replicas -d 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from new-key" -s v -l verbose -d 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from new-key" -s q -l quiet -d 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from new-key" -s h -l help -d 'Print help'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from new-key" -s V -l version -d 'Print version'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from help" -f -a "forget" -d 'Remove a member\'s connected tokens (in every workspace) from the store; their presets stay, and they connect again to come back'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from help" -f -a "new-key" -d 'Print a fresh key for STATUSINATOR_SECRET_KEY (32 random bytes, base64)'
complete -c statusinator -n "__fish_statusinator_using_subcommand tokens; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c statusinator -n "__fish_statusinator_using_subcommand doctor" -l slack-oauth-url -d 'Slack\'s OAuth authorize page (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand doctor" -l store -d 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand doctor" -l slack-api-url -d 'Slack Web API base URL (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand doctor" -l tokens -d 'JSON file of each member\'s own user token: {"U123": "xoxp-…"}; must not be readable by group or others' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand doctor" -l redis-url -d 'Redis every process of this deployment shares Slack\'s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand doctor" -l redis-password-file -d 'File holding the Redis password on one line (instead of one in --redis-url)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand doctor" -l redis-ca-file -d 'PEM file of the CA that signed a rediss:// server\'s certificate (when not a public CA)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand doctor" -l replicas -d 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand doctor" -l json -d 'Print the checklist as JSON on stdout'
complete -c statusinator -n "__fish_statusinator_using_subcommand doctor" -s v -l verbose -d 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand doctor" -s q -l quiet -d 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c statusinator -n "__fish_statusinator_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c statusinator -n "__fish_statusinator_using_subcommand export" -s o -l output -d 'Write it to FILE (replaced whole, never half-written) instead of stdout' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand export" -l store -d 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand export" -l slack-api-url -d 'Slack Web API base URL (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand export" -l tokens -d 'JSON file of each member\'s own user token: {"U123": "xoxp-…"}; must not be readable by group or others' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand export" -l redis-url -d 'Redis every process of this deployment shares Slack\'s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand export" -l redis-password-file -d 'File holding the Redis password on one line (instead of one in --redis-url)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand export" -l redis-ca-file -d 'PEM file of the CA that signed a rediss:// server\'s certificate (when not a public CA)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand export" -l replicas -d 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand export" -s v -l verbose -d 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand export" -s q -l quiet -d 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand export" -s h -l help -d 'Print help'
complete -c statusinator -n "__fish_statusinator_using_subcommand export" -s V -l version -d 'Print version'
complete -c statusinator -n "__fish_statusinator_using_subcommand completions" -l store -d 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand completions" -l slack-api-url -d 'Slack Web API base URL (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand completions" -l tokens -d 'JSON file of each member\'s own user token: {"U123": "xoxp-…"}; must not be readable by group or others' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand completions" -l redis-url -d 'Redis every process of this deployment shares Slack\'s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand completions" -l redis-password-file -d 'File holding the Redis password on one line (instead of one in --redis-url)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand completions" -l redis-ca-file -d 'PEM file of the CA that signed a rediss:// server\'s certificate (when not a public CA)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand completions" -l replicas -d 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand completions" -s v -l verbose -d 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand completions" -s q -l quiet -d 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand completions" -s h -l help -d 'Print help'
complete -c statusinator -n "__fish_statusinator_using_subcommand completions" -s V -l version -d 'Print version'
complete -c statusinator -n "__fish_statusinator_using_subcommand man" -l store -d 'Where presets, pictures and applied state live: a directory (or file://…) or s3://bucket[/prefix]' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand man" -l slack-api-url -d 'Slack Web API base URL (a test stand-in or a proxy goes here)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand man" -l tokens -d 'JSON file of each member\'s own user token: {"U123": "xoxp-…"}; must not be readable by group or others' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand man" -l redis-url -d 'Redis every process of this deployment shares Slack\'s budget and change notices through: redis://[user:password@]host:6379[/db] or rediss://… (TLS)' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand man" -l redis-password-file -d 'File holding the Redis password on one line (instead of one in --redis-url)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand man" -l redis-ca-file -d 'PEM file of the CA that signed a rediss:// server\'s certificate (when not a public CA)' -r -F
complete -c statusinator -n "__fish_statusinator_using_subcommand man" -l replicas -d 'Processes that call Slack for this store at once (serve replicas, plus poll or apply beside them): while Redis is down each paces alone at 1/N of each limit' -r
complete -c statusinator -n "__fish_statusinator_using_subcommand man" -s v -l verbose -d 'More log detail on stderr (-v debug, -vv trace); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand man" -s q -l quiet -d 'Less log detail on stderr (-q warnings only, -qq errors only); overrides RUST_LOG'
complete -c statusinator -n "__fish_statusinator_using_subcommand man" -s h -l help -d 'Print help'
complete -c statusinator -n "__fish_statusinator_using_subcommand man" -s V -l version -d 'Print version'
complete -c statusinator -n "__fish_statusinator_using_subcommand help; and not __fish_seen_subcommand_from onboard apply poll serve forget preview tokens doctor export completions man help" -f -a "onboard" -d 'Check a presets file, store its pictures once and merge its presets into users.json'
complete -c statusinator -n "__fish_statusinator_using_subcommand help; and not __fish_seen_subcommand_from onboard apply poll serve forget preview tokens doctor export completions man help" -f -a "apply" -d 'Apply a member\'s preset for an emoji now (the manual override)'
complete -c statusinator -n "__fish_statusinator_using_subcommand help; and not __fish_seen_subcommand_from onboard apply poll serve forget preview tokens doctor export completions man help" -f -a "poll" -d 'Make every onboarded member\'s name and photo match their status: one cycle (for cron), or every DURATION'
complete -c statusinator -n "__fish_statusinator_using_subcommand help; and not __fish_seen_subcommand_from onboard apply poll serve forget preview tokens doctor export completions man help" -f -a "serve" -d 'Receive Slack\'s user events and apply each member\'s preset within seconds (needs SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode)'
complete -c statusinator -n "__fish_statusinator_using_subcommand help; and not __fish_seen_subcommand_from onboard apply poll serve forget preview tokens doctor export completions man help" -f -a "forget" -d 'Forget a member: their usual name and photo back, then their presets, pictures, usual profile, state and connected tokens (revoked with Slack) deleted from the store'
complete -c statusinator -n "__fish_statusinator_using_subcommand help; and not __fish_seen_subcommand_from onboard apply poll serve forget preview tokens doctor export completions man help" -f -a "preview" -d 'Render the photo a workspace preset makes, from a photo of your choosing (or a plain avatar), without Slack'
complete -c statusinator -n "__fish_statusinator_using_subcommand help; and not __fish_seen_subcommand_from onboard apply poll serve forget preview tokens doctor export completions man help" -f -a "tokens" -d 'Who is connected: each member with a token, where it comes from, its workspace, scopes, expiry and state (never the token); forget a member\'s token; make a key'
complete -c statusinator -n "__fish_statusinator_using_subcommand help; and not __fish_seen_subcommand_from onboard apply poll serve forget preview tokens doctor export completions man help" -f -a "doctor" -d 'Check a setup before anyone relies on it: settings, store, tokens file, each token live with the scopes it needs, the app-level token, the public URL; prints what to fix'
complete -c statusinator -n "__fish_statusinator_using_subcommand help; and not __fish_seen_subcommand_from onboard apply poll serve forget preview tokens doctor export completions man help" -f -a "export" -d 'Write every member\'s presets and the workspace presets in the store as one users.json, to see, diff, back up or onboard again'
complete -c statusinator -n "__fish_statusinator_using_subcommand help; and not __fish_seen_subcommand_from onboard apply poll serve forget preview tokens doctor export completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c statusinator -n "__fish_statusinator_using_subcommand help; and not __fish_seen_subcommand_from onboard apply poll serve forget preview tokens doctor export completions man help" -f -a "man" -d 'Print the manual page (roff) of statusinator, or of one of its commands (read it with `statusinator man | man -l -`)'
complete -c statusinator -n "__fish_statusinator_using_subcommand help; and not __fish_seen_subcommand_from onboard apply poll serve forget preview tokens doctor export completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c statusinator -n "__fish_statusinator_using_subcommand help; and __fish_seen_subcommand_from tokens" -f -a "forget" -d 'Remove a member\'s connected tokens (in every workspace) from the store; their presets stay, and they connect again to come back'
complete -c statusinator -n "__fish_statusinator_using_subcommand help; and __fish_seen_subcommand_from tokens" -f -a "new-key" -d 'Print a fresh key for STATUSINATOR_SECRET_KEY (32 random bytes, base64)'
