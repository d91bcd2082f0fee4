#compdef auditree

__auditree_complete() {
    local -ar non_empty_completions=("${@:#(|:*)}")
    local -ar empty_completions=("${(M)@:#(|:*)}")
    _describe -V '' non_empty_completions -- empty_completions -P $'\'\''
}

__auditree_custom_complete() {
    local -a completions
    completions=("${(@f)"$("${command_name}" "${@}" "${command_line[@]}")"}")
    if [[ "${#completions[@]}" -gt 1 ]]; then
        __auditree_complete "${completions[@]:0:-1}"
    fi
}

__auditree_cursor_index_in_current_word() {
    if [[ -z "${QIPREFIX}${IPREFIX}${PREFIX}" ]]; then
        printf 0
    else
        printf %s "${#${(z)LBUFFER}[-1]}"
    fi
}

_auditree() {
    emulate -RL zsh -G
    setopt extendedglob nullglob numericglobsort
    unsetopt aliases banghist

    local -xr SAP_SHELL=zsh
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(builtin emulate zsh -c 'printf %s "${ZSH_VERSION}"')"
    local -r SAP_SHELL_VERSION

    local context state state_descr line
    local -A opt_args

    local -r command_name="${words[1]}"
    local -ar command_line=("${words[@]}")
    local -ir current_word_index="$((CURRENT - 1))"

    local -i ret=1
    local -ar arg_specs=(
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'scan:Scan audit logs and report shells spawned by interpreters or web servers.'
            'tree:Print the reconstructed process tree with each process'\''s execs, users and times.'
            'events:Print every successful exec with its resolved ancestry, one JSON object per line.'
            'baseline:Manage baselines of accepted findings (see docs/ci-gate.md).'
            'rules:Check, list and show detection rules (built-in pack plus --rules files).'
            'help:Show subcommand help information.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        scan|tree|events|baseline|rules|help)
            "_auditree_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_auditree_scan() {
    local -i ret=1
    local -ar ___format=('text' 'json' 'html' 'ndjson' 'sarif' 'junit')
    local -ar ___fail_on=('info' 'low' 'medium' 'high' 'critical')
    local -ar ___color=('auto' 'always' 'never')
    local -ar arg_specs=(
        '*:files:'
        '--format[Report format\: text, json, html, ndjson, sarif, junit.]:format:{__auditree_complete "${___format[@]}"}'
        '--fail-on[Exit 1 when a finding is at least this severe\: info, low, medium, high, critical.]:fail-on:{__auditree_complete "${___fail_on[@]}"}'
        '--strict[Stop with exit status 2 at the first line that cannot be parsed.]'
        '--color[Color the text report\: auto (only on a terminal), always, never.]:color:{__auditree_complete "${___color[@]}"}'
        '*--output[Write the report to this file instead of standard output, atomically; repeat for several reports. Format from the extension (.json, .ndjson/.jsonl, .sarif, .xml = junit, .txt, .html; any other is an error), --format for a name without one.]:file:'
        '--baseline[Accepted findings (from '\''auditree baseline create'\'')\: reported as baselined, not counted for --fail-on.]:file:'
        '--quiet[Print only findings and errors\: nothing at all when nothing is found (for cron).]'
        '--since[Only from this time on (inclusive)\: ISO 8601 (2026-11-23, 2026-11-23T10\:00, UTC unless a zone such as Z or +02\:00 is given); ausearch'\''s now, recent (10 minutes ago), today, yesterday, this-week, week-ago, this-month, this-year (local midnight); MM/DD/YY or MM/DD/YYYY with an optional HH\:MM\[\:SS\] (local time, as ausearch reads them); or back from now\: -45s, -30m, -2h, -7d.]:time:'
        '--until[Only up to this time (inclusive); same forms as --since, and '\''today'\'' means now (as ausearch -te today).]:time:'
        '*'{--uid,--user}'[Only execs by this user (the uid)\: a number, or a name matched against an ENRICHED log'\''s UID= name and this host'\''s user database (as ausearch does). Repeat for any of several.]:uid|name:'
        '*--key[Only execs with this audit key (auditctl -k). Repeat for any of several.]:key:'
        '*--exe[Only execs of this executable\: a full path (/usr/bin/dash) or a basename (dash). Repeat for any of several.]:path:'
        '*--comm[Only execs with this comm (the kernel'\''s task name, at most 15 bytes). Repeat for any of several.]:name:'
        '--node[Report findings of this host only (the log'\''s node= name).]:node:'
        '--pid[Report findings whose shell, spawner, ancestry or descendants include this pid.]:pid:'
        '--checkpoint[Resume where the previous run with this checkpoint stopped reading (file positions), and save where this run stops (atomically, only after the report was delivered). Locked for the run. For cron; see docs/operations.md.]:file:'
        '--lock-timeout[With --checkpoint\: wait this many seconds for another run that holds it, then exit 2.]:seconds:'
        '*--rules[Add a rule file after the built-in pack (repeatable; later files extend or override earlier ones).]:file:'
        '--no-default-rules[Do not load the built-in rule pack.]'
        '*--host[Name the host of records without node= (read as if they carried node=NAME\: findings, fingerprints, event identity, --node, host exceptions). FILE=NAME names it for one input only; repeatable.]:name:'
        '--show-suppressed[Also list the matches exceptions suppressed, each with its exception (they are always counted).]'
        '--no-group[Report every finding; by default identical ones (same rule, host, spawner exe, command line) are grouped with a count.]'
        '--threads[1\: read, parse and analyse on one thread. 2 or more\: read and parse on a second thread while the first analyses; the report is the same. Default\: the online CPUs, at most 2 (the work has two stages).]:n:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_auditree_tree() {
    local -i ret=1
    local -ar arg_specs=(
        '*:files:'
        '--pid[Only the subtree of the last process with this pid (one that exec'\''d, or a forked process the tree shows above one).]:pid:'
        '--finding[Only finding number N (as '\''auditree scan'\'' numbers them, from 1)\: every process above its shell, the shell, and all it ran.]:finding:'
        '*--rules[Add a rule file after the built-in pack (repeatable; later files extend or override earlier ones).]:file:'
        '--no-default-rules[Do not load the built-in rule pack.]'
        '*--host[Name the host of records without node= (read as if they carried node=NAME\: findings, fingerprints, event identity, --node, host exceptions). FILE=NAME names it for one input only; repeatable.]:name:'
        '--since[Only from this time on (inclusive)\: ISO 8601 (2026-11-23, 2026-11-23T10\:00, UTC unless a zone such as Z or +02\:00 is given); ausearch'\''s now, recent (10 minutes ago), today, yesterday, this-week, week-ago, this-month, this-year (local midnight); MM/DD/YY or MM/DD/YYYY with an optional HH\:MM\[\:SS\] (local time, as ausearch reads them); or back from now\: -45s, -30m, -2h, -7d.]:time:'
        '--until[Only up to this time (inclusive); same forms as --since, and '\''today'\'' means now (as ausearch -te today).]:time:'
        '*'{--uid,--user}'[Only execs by this user (the uid)\: a number, or a name matched against an ENRICHED log'\''s UID= name and this host'\''s user database (as ausearch does). Repeat for any of several.]:uid|name:'
        '*--key[Only execs with this audit key (auditctl -k). Repeat for any of several.]:key:'
        '*--exe[Only execs of this executable\: a full path (/usr/bin/dash) or a basename (dash). Repeat for any of several.]:path:'
        '*--comm[Only execs with this comm (the kernel'\''s task name, at most 15 bytes). Repeat for any of several.]:name:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_auditree_events() {
    local -i ret=1
    local -ar ___format=('ndjson')
    local -ar arg_specs=(
        '*:files:'
        '--format[Output format\: ndjson.]:format:{__auditree_complete "${___format[@]}"}'
        '*--host[Name the host of records without node= (read as if they carried node=NAME\: findings, fingerprints, event identity, --node, host exceptions). FILE=NAME names it for one input only; repeatable.]:name:'
        '--since[Only from this time on (inclusive)\: ISO 8601 (2026-11-23, 2026-11-23T10\:00, UTC unless a zone such as Z or +02\:00 is given); ausearch'\''s now, recent (10 minutes ago), today, yesterday, this-week, week-ago, this-month, this-year (local midnight); MM/DD/YY or MM/DD/YYYY with an optional HH\:MM\[\:SS\] (local time, as ausearch reads them); or back from now\: -45s, -30m, -2h, -7d.]:time:'
        '--until[Only up to this time (inclusive); same forms as --since, and '\''today'\'' means now (as ausearch -te today).]:time:'
        '*'{--uid,--user}'[Only execs by this user (the uid)\: a number, or a name matched against an ENRICHED log'\''s UID= name and this host'\''s user database (as ausearch does). Repeat for any of several.]:uid|name:'
        '*--key[Only execs with this audit key (auditctl -k). Repeat for any of several.]:key:'
        '*--exe[Only execs of this executable\: a full path (/usr/bin/dash) or a basename (dash). Repeat for any of several.]:path:'
        '*--comm[Only execs with this comm (the kernel'\''s task name, at most 15 bytes). Repeat for any of several.]:name:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_auditree_baseline() {
    local -i ret=1
    local -ar arg_specs=(
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'create:Scan audit logs and write every finding'\''s fingerprint to a baseline file.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        create)
            "_auditree_baseline_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_auditree_baseline_create() {
    local -i ret=1
    local -ar arg_specs=(
        '*:files:'
        '--output[Write the baseline here (atomically) instead of standard output.]:file:'
        '--strict[Stop with exit status 2 at the first line that cannot be parsed.]'
        '*--rules[Add a rule file after the built-in pack (repeatable; later files extend or override earlier ones).]:file:'
        '--no-default-rules[Do not load the built-in rule pack.]'
        '*--host[Name the host of records without node= (read as if they carried node=NAME\: findings, fingerprints, event identity, --node, host exceptions). FILE=NAME names it for one input only; repeatable.]:name:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_auditree_rules() {
    local -i ret=1
    local -ar arg_specs=(
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'check:Validate rule files: errors (exit 2) name file:line:column, the key path and the nearest known name.'
            'list:Print every active rule with its origin file, the lists, exceptions and context.'
            'show:Print one rule in full: conditions, lists, exceptions, context.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        check|list|show)
            "_auditree_rules_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_auditree_rules_check() {
    local -i ret=1
    local -ar arg_specs=(
        '*:rule-files:'
        '*--rules[Add a rule file after the built-in pack (repeatable; later files extend or override earlier ones).]:file:'
        '--no-default-rules[Do not load the built-in rule pack.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_auditree_rules_list() {
    local -i ret=1
    local -ar arg_specs=(
        '*--rules[Add a rule file after the built-in pack (repeatable; later files extend or override earlier ones).]:file:'
        '--no-default-rules[Do not load the built-in rule pack.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_auditree_rules_show() {
    local -i ret=1
    local -ar arg_specs=(
        ':id:'
        '*--rules[Add a rule file after the built-in pack (repeatable; later files extend or override earlier ones).]:file:'
        '--no-default-rules[Do not load the built-in rule pack.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_auditree_help() {
    local -i ret=1
    local -ar arg_specs=(
        '*:subcommands:'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

if [[ "${funcstack[1]}" = _auditree ]]; then
    _auditree "${@}"
else
    compdef _auditree auditree
fi
