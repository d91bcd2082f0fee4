function __auditree_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __auditree_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __auditree_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __auditree_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __auditree_parse_tokens -S
    set -l unparsed_tokens (__auditree_tokens -pc)
    switch $unparsed_tokens[1]
    case 'auditree'
        __auditree_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'scan'
            __auditree_parse_subcommand -r 1 'format=' 'fail-on=' 'strict' 'color=' 'output=+' 'baseline=' 'quiet' 'since=' 'until=' 'uid=+' 'key=+' 'exe=+' 'comm=+' 'node=' 'pid=' 'checkpoint=' 'lock-timeout=' 'rules=+' 'no-default-rules' 'host=+' 'show-suppressed' 'no-group' 'threads=' 'h/help'
        case 'tree'
            __auditree_parse_subcommand -r 1 'pid=' 'finding=' 'rules=+' 'no-default-rules' 'host=+' 'since=' 'until=' 'uid=+' 'key=+' 'exe=+' 'comm=+' 'h/help'
        case 'events'
            __auditree_parse_subcommand -r 1 'format=' 'host=+' 'since=' 'until=' 'uid=+' 'key=+' 'exe=+' 'comm=+' 'h/help'
        case 'baseline'
            __auditree_parse_subcommand 0 'h/help'
            switch $unparsed_tokens[1]
            case 'create'
                __auditree_parse_subcommand -r 1 'output=' 'strict' 'rules=+' 'no-default-rules' 'host=+' 'h/help'
            end
        case 'rules'
            __auditree_parse_subcommand 0 'h/help'
            switch $unparsed_tokens[1]
            case 'check'
                __auditree_parse_subcommand -r 1 'rules=+' 'no-default-rules' 'h/help'
            case 'list'
                __auditree_parse_subcommand 0 'rules=+' 'no-default-rules' 'h/help'
            case 'show'
                __auditree_parse_subcommand 1 'rules=+' 'no-default-rules' 'h/help'
            end
        case 'help'
            __auditree_parse_subcommand -r 1 
        end
    end
end

function __auditree_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __auditree_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __auditree_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __auditree_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__auditree_tokens -p)
    if test -z "$(__auditree_tokens -t)"
        set -l index (count (__auditree_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'auditree' -f
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_positional "auditree" -eq 1' -fa 'scan' -d 'Scan audit logs and report shells spawned by interpreters or web servers.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_positional "auditree" -eq 1' -fa 'tree' -d 'Print the reconstructed process tree with each process\'s execs, users and times.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_positional "auditree" -eq 1' -fa 'events' -d 'Print every successful exec with its resolved ancestry, one JSON object per line.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_positional "auditree" -eq 1' -fa 'baseline' -d 'Manage baselines of accepted findings (see docs/ci-gate.md).'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_positional "auditree" -eq 1' -fa 'rules' -d 'Check, list and show detection rules (built-in pack plus --rules files).'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_positional "auditree" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" format' -l 'format' -d 'Report format: text, json, html, ndjson, sarif, junit.' -rfka 'text json html ndjson sarif junit'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" fail-on' -l 'fail-on' -d 'Exit 1 when a finding is at least this severe: info, low, medium, high, critical.' -rfka 'info low medium high critical'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" strict' -l 'strict' -d 'Stop with exit status 2 at the first line that cannot be parsed.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" color' -l 'color' -d 'Color the text report: auto (only on a terminal), always, never.' -rfka 'auto always never'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan"' -l 'output' -d 'Write the report to this file instead of standard output, atomically; repeat for several reports. Format from the extension (.json, .ndjson/.jsonl, .sarif, .xml = junit, .txt, .html; any other is an error), --format for a name without one.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" baseline' -l 'baseline' -d 'Accepted findings (from \'auditree baseline create\'): reported as baselined, not counted for --fail-on.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" quiet' -l 'quiet' -d 'Print only findings and errors: nothing at all when nothing is found (for cron).'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" since' -l 'since' -d 'Only from this time on (inclusive): ISO 8601 (2026-11-23, 2026-11-23T10:00, UTC unless a zone such as Z or +02:00 is given); ausearch\'s now, recent (10 minutes ago), today, yesterday, this-week, week-ago, this-month, this-year (local midnight); MM/DD/YY or MM/DD/YYYY with an optional HH:MM[:SS] (local time, as ausearch reads them); or back from now: -45s, -30m, -2h, -7d.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" until' -l 'until' -d 'Only up to this time (inclusive); same forms as --since, and \'today\' means now (as ausearch -te today).' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan"' -l 'uid' -l 'user' -d 'Only execs by this user (the uid): a number, or a name matched against an ENRICHED log\'s UID= name and this host\'s user database (as ausearch does). Repeat for any of several.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan"' -l 'key' -d 'Only execs with this audit key (auditctl -k). Repeat for any of several.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan"' -l 'exe' -d 'Only execs of this executable: a full path (/usr/bin/dash) or a basename (dash). Repeat for any of several.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan"' -l 'comm' -d 'Only execs with this comm (the kernel\'s task name, at most 15 bytes). Repeat for any of several.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" node' -l 'node' -d 'Report findings of this host only (the log\'s node= name).' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" pid' -l 'pid' -d 'Report findings whose shell, spawner, ancestry or descendants include this pid.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" checkpoint' -l 'checkpoint' -d 'Resume where the previous run with this checkpoint stopped reading (file positions), and save where this run stops (atomically, only after the report was delivered). Locked for the run. For cron; see docs/operations.md.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" lock-timeout' -l 'lock-timeout' -d 'With --checkpoint: wait this many seconds for another run that holds it, then exit 2.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan"' -l 'rules' -d 'Add a rule file after the built-in pack (repeatable; later files extend or override earlier ones).' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" no-default-rules' -l 'no-default-rules' -d 'Do not load the built-in rule pack.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan"' -l 'host' -d 'Name the host of records without node= (read as if they carried node=NAME: findings, fingerprints, event identity, --node, host exceptions). FILE=NAME names it for one input only; repeatable.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" show-suppressed' -l 'show-suppressed' -d 'Also list the matches exceptions suppressed, each with its exception (they are always counted).'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" no-group' -l 'no-group' -d 'Report every finding; by default identical ones (same rule, host, spawner exe, command line) are grouped with a count.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" threads' -l 'threads' -d '1: read, parse and analyse on one thread. 2 or more: read and parse on a second thread while the first analyses; the report is the same. Default: the online CPUs, at most 2 (the work has two stages).' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree scan" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree tree" pid' -l 'pid' -d 'Only the subtree of the last process with this pid (one that exec\'d, or a forked process the tree shows above one).' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree tree" finding' -l 'finding' -d 'Only finding number N (as \'auditree scan\' numbers them, from 1): every process above its shell, the shell, and all it ran.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree tree"' -l 'rules' -d 'Add a rule file after the built-in pack (repeatable; later files extend or override earlier ones).' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree tree" no-default-rules' -l 'no-default-rules' -d 'Do not load the built-in rule pack.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree tree"' -l 'host' -d 'Name the host of records without node= (read as if they carried node=NAME: findings, fingerprints, event identity, --node, host exceptions). FILE=NAME names it for one input only; repeatable.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree tree" since' -l 'since' -d 'Only from this time on (inclusive): ISO 8601 (2026-11-23, 2026-11-23T10:00, UTC unless a zone such as Z or +02:00 is given); ausearch\'s now, recent (10 minutes ago), today, yesterday, this-week, week-ago, this-month, this-year (local midnight); MM/DD/YY or MM/DD/YYYY with an optional HH:MM[:SS] (local time, as ausearch reads them); or back from now: -45s, -30m, -2h, -7d.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree tree" until' -l 'until' -d 'Only up to this time (inclusive); same forms as --since, and \'today\' means now (as ausearch -te today).' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree tree"' -l 'uid' -l 'user' -d 'Only execs by this user (the uid): a number, or a name matched against an ENRICHED log\'s UID= name and this host\'s user database (as ausearch does). Repeat for any of several.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree tree"' -l 'key' -d 'Only execs with this audit key (auditctl -k). Repeat for any of several.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree tree"' -l 'exe' -d 'Only execs of this executable: a full path (/usr/bin/dash) or a basename (dash). Repeat for any of several.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree tree"' -l 'comm' -d 'Only execs with this comm (the kernel\'s task name, at most 15 bytes). Repeat for any of several.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree tree" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree events" format' -l 'format' -d 'Output format: ndjson.' -rfka 'ndjson'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree events"' -l 'host' -d 'Name the host of records without node= (read as if they carried node=NAME: findings, fingerprints, event identity, --node, host exceptions). FILE=NAME names it for one input only; repeatable.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree events" since' -l 'since' -d 'Only from this time on (inclusive): ISO 8601 (2026-11-23, 2026-11-23T10:00, UTC unless a zone such as Z or +02:00 is given); ausearch\'s now, recent (10 minutes ago), today, yesterday, this-week, week-ago, this-month, this-year (local midnight); MM/DD/YY or MM/DD/YYYY with an optional HH:MM[:SS] (local time, as ausearch reads them); or back from now: -45s, -30m, -2h, -7d.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree events" until' -l 'until' -d 'Only up to this time (inclusive); same forms as --since, and \'today\' means now (as ausearch -te today).' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree events"' -l 'uid' -l 'user' -d 'Only execs by this user (the uid): a number, or a name matched against an ENRICHED log\'s UID= name and this host\'s user database (as ausearch does). Repeat for any of several.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree events"' -l 'key' -d 'Only execs with this audit key (auditctl -k). Repeat for any of several.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree events"' -l 'exe' -d 'Only execs of this executable: a full path (/usr/bin/dash) or a basename (dash). Repeat for any of several.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree events"' -l 'comm' -d 'Only execs with this comm (the kernel\'s task name, at most 15 bytes). Repeat for any of several.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree events" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree baseline" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_positional "auditree baseline" -eq 1' -fa 'create' -d 'Scan audit logs and write every finding\'s fingerprint to a baseline file.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree baseline create" output' -l 'output' -d 'Write the baseline here (atomically) instead of standard output.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree baseline create" strict' -l 'strict' -d 'Stop with exit status 2 at the first line that cannot be parsed.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree baseline create"' -l 'rules' -d 'Add a rule file after the built-in pack (repeatable; later files extend or override earlier ones).' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree baseline create" no-default-rules' -l 'no-default-rules' -d 'Do not load the built-in rule pack.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree baseline create"' -l 'host' -d 'Name the host of records without node= (read as if they carried node=NAME: findings, fingerprints, event identity, --node, host exceptions). FILE=NAME names it for one input only; repeatable.' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree baseline create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree rules" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_positional "auditree rules" -eq 1' -fa 'check' -d 'Validate rule files: errors (exit 2) name file:line:column, the key path and the nearest known name.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_positional "auditree rules" -eq 1' -fa 'list' -d 'Print every active rule with its origin file, the lists, exceptions and context.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_positional "auditree rules" -eq 1' -fa 'show' -d 'Print one rule in full: conditions, lists, exceptions, context.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree rules check"' -l 'rules' -d 'Add a rule file after the built-in pack (repeatable; later files extend or override earlier ones).' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree rules check" no-default-rules' -l 'no-default-rules' -d 'Do not load the built-in rule pack.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree rules check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree rules list"' -l 'rules' -d 'Add a rule file after the built-in pack (repeatable; later files extend or override earlier ones).' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree rules list" no-default-rules' -l 'no-default-rules' -d 'Do not load the built-in rule pack.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree rules list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree rules show"' -l 'rules' -d 'Add a rule file after the built-in pack (repeatable; later files extend or override earlier ones).' -rfka ''
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree rules show" no-default-rules' -l 'no-default-rules' -d 'Do not load the built-in rule pack.'
complete -c 'auditree' -n '__auditree_should_offer_completions_for_flags_or_options "auditree rules show" h help' -s 'h' -l 'help' -d 'Show help information.'
