//! Completion candidates from the clap definitions, for kubectl's plugin completion hook
//! (`kubectl_complete-etcd_triage`, which kubectl 1.26+ runs with the words typed after `kubectl etcd-triage`).
//!
//! Pure: words in, candidates and a Cobra shell directive out (kubectl passes both to its shell script).

use clap::Command;

/// Cobra's `ShellCompDirectiveNoFileComp`: offer only the candidates.
pub const NO_FILES: u8 = 4;
/// Cobra's `ShellCompDirectiveDefault`: the shell may complete file names too.
pub const FILES: u8 = 0;

/// Candidates for the last of `words` (the word being completed; may be empty).
pub fn candidates(root: &Command, words: &[String]) -> (Vec<String>, u8) {
    let (current, before) = match words.split_last() {
        Some((last, rest)) => (last.as_str(), rest),
        None => ("", &[][..]),
    };
    // Walk to the subcommand being typed, and note the flag waiting for a value.
    let mut cmd = root;
    let mut pending: Option<&clap::Arg> = None;
    for word in before {
        if pending.take().is_some() {
            continue;
        }
        if let Some(flag) = word.strip_prefix("--") {
            if !flag.contains('=') {
                pending = find_long(root, cmd, flag).filter(|a| takes_value(a));
            }
        } else if let Some(short) = word.strip_prefix('-').filter(|s| s.chars().count() == 1) {
            pending = short.chars().next().and_then(|c| find_short(root, cmd, c)).filter(|a| takes_value(a));
        } else if let Some(sub) = cmd.find_subcommand(word) {
            cmd = sub;
        }
    }
    let mut out: Vec<String> = Vec::new();
    if let Some(arg) = pending {
        let values: Vec<String> = arg.get_possible_values().iter().map(|v| v.get_name().to_string()).collect();
        if values.is_empty() {
            // A path, a duration, a name: nothing to offer beyond what the shell finds.
            return (Vec::new(), FILES);
        }
        out.extend(values.into_iter().filter(|v| v.starts_with(current)));
        return (out, NO_FILES);
    }
    if current.starts_with('-') {
        let mut seen = std::collections::BTreeSet::new();
        for arg in cmd.get_arguments().chain(root.get_arguments().filter(|a| a.is_global_set())) {
            if arg.is_hide_set() {
                continue;
            }
            if let Some(long) = arg.get_long() {
                let flag = format!("--{long}");
                if flag.starts_with(current) && seen.insert(flag.clone()) {
                    out.push(flag);
                }
            }
        }
        for flag in ["--help"] {
            if flag.starts_with(current) && seen.insert(flag.to_string()) {
                out.push(flag.to_string());
            }
        }
        return (out, NO_FILES);
    }
    for sub in cmd.get_subcommands() {
        if !sub.is_hide_set() && sub.get_name().starts_with(current) && sub.get_name() != "help" {
            out.push(sub.get_name().to_string());
        }
    }
    let positional = cmd.get_positionals().any(|a| !a.is_hide_set());
    if positional {
        let values: Vec<String> = cmd
            .get_positionals()
            .flat_map(|a| a.get_possible_values())
            .map(|v| v.get_name().to_string())
            .filter(|v| v.starts_with(current))
            .collect();
        if values.is_empty() {
            return (out, FILES);
        }
        out.extend(values);
    }
    (out, NO_FILES)
}

fn takes_value(arg: &clap::Arg) -> bool {
    arg.get_num_args().is_none_or(|n| n.takes_values())
        && !matches!(arg.get_action(), clap::ArgAction::SetTrue | clap::ArgAction::SetFalse | clap::ArgAction::Count)
}

fn find_long<'a>(root: &'a Command, cmd: &'a Command, long: &str) -> Option<&'a clap::Arg> {
    cmd.get_arguments().chain(root.get_arguments()).find(|a| a.get_long() == Some(long))
}

fn find_short<'a>(root: &'a Command, cmd: &'a Command, short: char) -> Option<&'a clap::Arg> {
    cmd.get_arguments().chain(root.get_arguments()).find(|a| a.get_short() == Some(short))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    fn complete(words: &[&str]) -> (Vec<String>, u8) {
        let mut cmd = crate::cli::Cli::command();
        cmd.build();
        candidates(&cmd, &words.iter().map(|w| w.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn subcommands_flags_and_values_are_offered() {
        let (subs, directive) = complete(&["co"]);
        assert_eq!((subs, directive), (vec!["collect".to_string(), "completion".to_string()], NO_FILES));
        assert!(!complete(&[""]).0.contains(&"__complete".to_string()), "the hidden entry is not offered");
        let (flags, _) = complete(&["collect", "--out"]);
        assert!(flags.contains(&"--out-dir".to_string()) && flags.contains(&"--output".to_string()), "{flags:?}");
        let (flags, _) = complete(&["--insecure"]);
        assert_eq!(flags, vec!["--insecure-skip-tls-verify"]);
        let (values, _) = complete(&["-o", "j"]);
        assert_eq!(values, vec!["json"]);
        let (shells, _) = complete(&["completion", ""]);
        assert_eq!(shells, vec!["bash", "elvish", "fish", "powershell", "zsh"]);
        // A flag whose value is a path leaves it to the shell's file completion.
        assert_eq!(complete(&["--kubeconfig", ""]), (vec![], FILES));
        assert_eq!(complete(&["analyze", ""]).1, FILES);
    }
}
