//! The keys of a command suite (a `[[suite]]` with `command` instead of `workload`): the program
//! and its arguments as placeholder templates, environment, `setup` / `prepare` / `cleanup`
//! commands, the expected exit code, the working directory and output verification. Checked
//! here with positions: templates, placeholders, regexes and which keys go together.

use super::{ConfigError, ConfigSource, ParamSetting, PositiveDuration, SizeSpec};
use crate::command::CommandLine;
use crate::command::template::{Template, closest};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// Placeholders every command suite offers (besides its `[suite.params]` keys).
pub const PLACEHOLDERS: [&str; 5] = ["workers", "size", "label", "suite", "seed"];

/// The shell that runs commands of a suite with `shell = true` (as `sh -c SCRIPT`).
pub const SHELL: &str = "/bin/sh";

/// Default limit of a `setup` or `cleanup` command (a build may take a while).
pub const DEFAULT_SETUP_TIMEOUT: Duration = Duration::from_secs(600);

/// A command as written: a list of arguments, or one string (a shell script).
#[derive(Debug, Clone)]
pub(super) enum RawCommand {
    Args(Vec<Spanned<String>>),
    Script(String),
}

impl<'de> Deserialize<'de> for RawCommand {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawCommand;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a list of the program and its arguments, e.g. [\"./solver\", \"--threads\", \"{workers}\"] (or one string with `shell = true`)",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawCommand, E> {
                Ok(RawCommand::Script(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<RawCommand, A::Error> {
                let mut args = Vec::new();
                while let Some(a) = seq.next_element::<Spanned<String>>()? {
                    args.push(a);
                }
                Ok(RawCommand::Args(args))
            }
        }
        d.deserialize_any(V)
    }
}

/// An exit code: 0 to 255.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ExitCode(i32);

impl<'de> Deserialize<'de> for ExitCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)
            .map_err(|_| serde::de::Error::custom("expected an exit code from 0 to 255"))?;
        if !(0..=255).contains(&v) {
            return Err(serde::de::Error::custom(format!(
                "{v} is out of range: expected an exit code from 0 to 255"
            )));
        }
        Ok(ExitCode(v as i32))
    }
}

/// `[suite.verify]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawVerify {
    #[serde(default)]
    matches: Option<Spanned<String>>,
    #[serde(default)]
    same_output: Option<bool>,
    #[serde(default)]
    checksum: Option<Spanned<String>>,
}

/// The command keys of one `[[suite]]` as written (all optional; checked by [`RawCommandKeys::check`]).
#[derive(Debug, Clone, Default)]
pub(super) struct RawCommandKeys {
    pub(super) command: Option<Spanned<RawCommand>>,
    pub(super) shell: Option<Spanned<bool>>,
    pub(super) env: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
    pub(super) setup: Option<Spanned<RawCommand>>,
    pub(super) prepare: Option<Spanned<RawCommand>>,
    pub(super) cleanup: Option<Spanned<RawCommand>>,
    pub(super) expected_exit_code: Option<Spanned<ExitCode>>,
    pub(super) setup_timeout: Option<Spanned<PositiveDuration>>,
    pub(super) working_dir: Option<Spanned<String>>,
    pub(super) verify: Option<Spanned<RawVerify>>,
}

/// A program invocation of a command suite, placeholders not yet substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandSpec {
    /// The program and its arguments, run without a shell: each template is one argument.
    Args(Vec<Template>),
    /// A script for `/bin/sh -c` (`shell = true`); substituted values are shell-quoted.
    Shell(Template),
}

impl CommandSpec {
    /// Every template it holds.
    pub fn templates(&self) -> Vec<&Template> {
        match self {
            CommandSpec::Args(args) => args.iter().collect(),
            CommandSpec::Shell(script) => vec![script],
        }
    }

    /// The command as written, for messages.
    pub fn source(&self) -> String {
        match self {
            CommandSpec::Args(args) => args
                .iter()
                .map(|a| crate::command::template::shell_quote(a.source()))
                .collect::<Vec<_>>()
                .join(" "),
            CommandSpec::Shell(script) => script.source().to_string(),
        }
    }
}

/// Output checks of a command suite (`[suite.verify]`). The reference of `same-output` and
/// `checksum` is the suite's command at one worker, run once per size before the points.
#[derive(Debug, Clone, Default)]
pub struct CommandVerify {
    /// Every run's stdout must contain a match.
    pub matches: Option<regex_lite::Regex>,
    /// Every run's stdout must equal the reference run's.
    pub same_output: bool,
    /// Every run's stdout must contain a match whose first capture group (or the whole match,
    /// without groups) equals the reference run's.
    pub checksum: Option<regex_lite::Regex>,
}

impl CommandVerify {
    /// Whether any check is configured.
    pub fn any(&self) -> bool {
        self.matches.is_some() || self.same_output || self.checksum.is_some()
    }

    /// Whether the checks need the reference run's output.
    pub fn needs_reference(&self) -> bool {
        self.same_output || self.checksum.is_some()
    }
}

/// How a command suite runs its program. See the README's "Bring your own workload".
#[derive(Debug, Clone)]
pub struct CommandSuite {
    /// The program and its arguments (or the shell script).
    pub command: CommandSpec,
    /// Whether commands run through `/bin/sh -c` (`shell = true`).
    pub shell: bool,
    /// Environment settings for every command of the suite (values are templates).
    pub env: Vec<(String, Template)>,
    /// Once per point, before its first run.
    pub setup: Option<CommandSpec>,
    /// Before every run, untimed.
    pub prepare: Option<CommandSpec>,
    /// Once per point, after its last run (also when the point failed).
    pub cleanup: Option<CommandSpec>,
    /// The exit status a run must end with (`expected-exit-code`, default 0).
    pub expected_exit_code: i32,
    /// Limit of each `setup` and `cleanup` command.
    pub setup_timeout: Duration,
    /// Where the commands run (relative paths in the config are relative to its directory).
    pub working_dir: Option<PathBuf>,
    /// `[suite.verify]`.
    pub verify: CommandVerify,
    /// The `[suite.params]` keys, which are placeholders too.
    pub param_names: Vec<String>,
}

impl CommandSuite {
    /// Every placeholder name this suite accepts.
    pub fn placeholder_names(&self) -> Vec<&str> {
        PLACEHOLDERS
            .iter()
            .copied()
            .chain(self.param_names.iter().map(String::as_str))
            .collect()
    }

    /// Whether the command, its environment or its setup/prepare/cleanup use `name`.
    pub fn uses(&self, name: &str) -> bool {
        self.all_templates().iter().any(|t| t.uses(name))
    }

    fn all_templates(&self) -> Vec<&Template> {
        let mut out = self.command.templates();
        for spec in [&self.setup, &self.prepare, &self.cleanup]
            .into_iter()
            .flatten()
        {
            out.extend(spec.templates());
        }
        out.extend(self.env.iter().map(|(_, t)| t));
        out
    }

    /// `spec` (the command, or its setup, prepare or cleanup) with every placeholder replaced
    /// by `value(name)`, the suite's environment and working directory.
    pub fn command_line(
        &self,
        spec: &CommandSpec,
        value: &dyn Fn(&str) -> Option<String>,
    ) -> CommandLine {
        let (program, args) = match spec {
            CommandSpec::Args(args) => {
                let mut rendered = args.iter().map(|t| OsString::from(t.render(value)));
                (
                    rendered.next().unwrap_or_default(),
                    rendered.collect::<Vec<_>>(),
                )
            }
            CommandSpec::Shell(script) => (
                OsString::from(SHELL),
                vec![
                    OsString::from("-c"),
                    OsString::from(script.render_shell(value)),
                ],
            ),
        };
        CommandLine {
            program,
            args,
            env: self
                .env
                .iter()
                .map(|(k, t)| (OsString::from(k), OsString::from(t.render(value))))
                .collect(),
            dir: self.working_dir.clone(),
        }
    }
}

/// The suite's other keys that command checks look at.
pub(super) struct SuiteContext<'a> {
    pub(super) span: Range<usize>,
    pub(super) workload: Option<&'a Spanned<String>>,
    pub(super) sizes: Option<&'a Spanned<Vec<Spanned<SizeSpec>>>>,
    pub(super) workers: &'a [u32],
    pub(super) workers_span: Range<usize>,
    pub(super) params: &'a BTreeMap<String, Spanned<ParamSetting>>,
}

/// Refuses sweeps (workers, sizes, parameters) the command never sees: they would time the
/// same thing several times. `command` is where the command was written.
fn check_sweeps_used(
    src: &ConfigSource,
    suite: &SuiteContext<'_>,
    suite_config: &CommandSuite,
    command: &Spanned<RawCommand>,
) -> Result<(), ConfigError> {
    if suite.workers.len() > 1 && !suite_config.uses("workers") {
        return Err(src.error_at(
            suite.workers_span.clone(),
            Some("workers"),
            format!(
                "the suite sweeps workers {:?} but neither its command nor its env uses {{workers}}: pass it on, e.g. env = {{ OMP_NUM_THREADS = \"{{workers}}\", RAYON_NUM_THREADS = \"{{workers}}\" }}, or set workers = [1]",
                suite.workers
            ),
        ));
    }
    let uses_size = suite_config.uses("size") || suite_config.uses("label");
    match suite.sizes {
        Some(sizes) => {
            for size in sizes.get_ref() {
                if let SizeSpec::Named(label) = size.get_ref() {
                    return Err(src.error_at(
                        size.span(),
                        Some("sizes"),
                        format!(
                            "command suites have no named sizes (`{label}`): give a number, substituted for {{size}}, or {{ label = \"{label}\", n = 1000 }}"
                        ),
                    ));
                }
            }
            if sizes.get_ref().len() > 1 && !uses_size {
                return Err(src.error_at(
                    sizes.span(),
                    Some("sizes"),
                    "the suite sweeps sizes but its command uses neither {size} nor {label}",
                ));
            }
        }
        None if uses_size => {
            return Err(src.error_at(
                command.span(),
                Some("command"),
                "the command uses {size} or {label} but the suite has no `sizes`: add e.g. sizes = [1000, 4000]",
            ));
        }
        None => {}
    }
    for (key, value) in suite.params {
        if !suite_config.uses(key) {
            return Err(src.error_at(
                value.span(),
                Some(&format!("params.{key}")),
                format!(
                    "parameter `{key}` is not used: no command, environment value or setup uses {{{key}}}"
                ),
            ));
        }
    }
    Ok(())
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("{{{n}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl RawCommandKeys {
    /// Checks the command keys against the rest of the suite: `Ok(None)` for a workload suite
    /// (which must then use none of them).
    pub(super) fn check(
        &self,
        src: &ConfigSource,
        suite: &SuiteContext<'_>,
    ) -> Result<Option<CommandSuite>, ConfigError> {
        let Some(command) = &self.command else {
            if suite.workload.is_none() {
                return Err(src.error_at(
                    suite.span.clone(),
                    Some("workload"),
                    "missing field `workload`: a suite runs a built-in `workload = \"pi\"` (see `parbench list`) or an external program, `command = [\"./solver\", \"--threads\", \"{workers}\"]`",
                ));
            }
            return self.reject_command_keys(src, suite).map(|()| None);
        };
        if let Some(w) = suite.workload {
            return Err(src.error_at(
                command.span(),
                Some("command"),
                format!(
                    "a suite runs either a built-in `workload` or an external `command`, not both (this one also names workload `{}` on line {})",
                    w.get_ref(),
                    src.position(w.span().start).0
                ),
            ));
        }
        let shell = self.shell.as_ref().is_some_and(|s| *s.get_ref());
        let names = Self::placeholder_names(src, suite)?;
        let spec = |key: &str, raw: &Spanned<RawCommand>| parse_spec(src, key, raw, shell, &names);
        let command_spec = spec("command", command)?;
        let setup = self.setup.as_ref().map(|c| spec("setup", c)).transpose()?;
        let prepare = self
            .prepare
            .as_ref()
            .map(|c| spec("prepare", c))
            .transpose()?;
        let cleanup = self
            .cleanup
            .as_ref()
            .map(|c| spec("cleanup", c))
            .transpose()?;
        let env = self.parse_env(src, &names)?;
        let verify = self.parse_verify(src)?;
        let working_dir = self.working_dir(src);
        let suite_config = CommandSuite {
            command: command_spec,
            shell,
            env,
            setup,
            prepare,
            cleanup,
            expected_exit_code: self
                .expected_exit_code
                .as_ref()
                .map_or(0, |c| c.get_ref().0),
            setup_timeout: self
                .setup_timeout
                .as_ref()
                .map_or(DEFAULT_SETUP_TIMEOUT, |t| t.get_ref().0.0),
            working_dir,
            verify,
            param_names: suite.params.keys().cloned().collect(),
        };

        check_sweeps_used(src, suite, &suite_config, command)?;
        Ok(Some(suite_config))
    }

    /// The placeholders a command may use: the built-in ones and the suite's parameters (which
    /// must not hide a built-in one).
    fn placeholder_names<'a>(
        src: &ConfigSource,
        suite: &SuiteContext<'a>,
    ) -> Result<Vec<&'a str>, ConfigError> {
        let mut names: Vec<&str> = PLACEHOLDERS.to_vec();
        for (key, value) in suite.params {
            if PLACEHOLDERS.contains(&key.as_str()) {
                return Err(src.error_at(
                    value.span(),
                    Some(&format!("params.{key}")),
                    format!(
                        "a parameter named `{key}` would hide the placeholder {{{key}}}: give it another name"
                    ),
                ));
            }
            names.push(key);
        }
        Ok(names)
    }

    /// The `env` table: each name checked, each value a template over `names`.
    fn parse_env(
        &self,
        src: &ConfigSource,
        names: &[&str],
    ) -> Result<Vec<(String, Template)>, ConfigError> {
        let mut env = Vec::new();
        if let Some(vars) = &self.env {
            for (key, value) in vars.get_ref() {
                if key.is_empty() || key.contains('=') || key.contains('\0') {
                    return Err(src.error_at(
                        value.span(),
                        Some(&format!("env.{key}")),
                        "an environment variable name must be non-empty, without `=` or NUL",
                    ));
                }
                env.push((
                    key.clone(),
                    parse_template(src, &format!("env.{key}"), value, names)?,
                ));
            }
        }
        Ok(env)
    }

    /// The `verify` table's checks (none where there is no table; at least one where there is).
    fn parse_verify(&self, src: &ConfigSource) -> Result<CommandVerify, ConfigError> {
        Ok(match &self.verify {
            None => CommandVerify::default(),
            Some(v) => {
                let raw = v.get_ref();
                let regex = |key: &str, r: &Option<Spanned<String>>| {
                    r.as_ref()
                        .map(|r| {
                            regex_lite::Regex::new(r.get_ref()).map_err(|e| {
                                src.error_at(
                                    r.span(),
                                    Some(&format!("verify.{key}")),
                                    format!(
                                        "invalid regular expression (the `regex` crate's syntax \
                                         without Unicode classes such as \\p{{L}}): {e}"
                                    ),
                                )
                            })
                        })
                        .transpose()
                };
                let verify = CommandVerify {
                    matches: regex("matches", &raw.matches)?,
                    same_output: raw.same_output.unwrap_or(false),
                    checksum: regex("checksum", &raw.checksum)?,
                };
                if !verify.any() {
                    return Err(src.error_at(
                        v.span(),
                        Some("verify"),
                        "expected at least one check: `matches = \"regex\"`, `same-output = true` or `checksum = \"regex with a (group)\"`",
                    ));
                }
                verify
            }
        })
    }

    /// `working-dir`, relative to the config file's directory where it is relative.
    fn working_dir(&self, src: &ConfigSource) -> Option<PathBuf> {
        self.working_dir.as_ref().map(|d| {
            let dir = PathBuf::from(d.get_ref());
            match Path::new(&src.path).parent() {
                // A config file's relative paths are relative to its directory.
                Some(base) if dir.is_relative() && Path::new(&src.path).is_file() => base.join(dir),
                _ => dir,
            }
        })
    }

    /// A workload suite must not carry command keys.
    fn reject_command_keys(
        &self,
        src: &ConfigSource,
        suite: &SuiteContext<'_>,
    ) -> Result<(), ConfigError> {
        let workload = suite.workload.map_or("", |w| w.get_ref().as_str());
        let spans: [(&str, Option<Range<usize>>); 9] = [
            ("shell", self.shell.as_ref().map(Spanned::span)),
            ("env", self.env.as_ref().map(Spanned::span)),
            ("setup", self.setup.as_ref().map(Spanned::span)),
            ("prepare", self.prepare.as_ref().map(Spanned::span)),
            ("cleanup", self.cleanup.as_ref().map(Spanned::span)),
            (
                "expected-exit-code",
                self.expected_exit_code.as_ref().map(Spanned::span),
            ),
            (
                "setup-timeout",
                self.setup_timeout.as_ref().map(Spanned::span),
            ),
            ("working-dir", self.working_dir.as_ref().map(Spanned::span)),
            ("verify", self.verify.as_ref().map(Spanned::span)),
        ];
        for (key, span) in spans {
            if let Some(span) = span {
                return Err(src.error_at(
                    span,
                    Some(key),
                    format!(
                        "`{key}` belongs to command suites; this suite runs the built-in workload `{workload}`, which verifies itself"
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn parse_template(
    src: &ConfigSource,
    key: &str,
    text: &Spanned<String>,
    names: &[&str],
) -> Result<Template, ConfigError> {
    let template = Template::parse(text.get_ref())
        .map_err(|e| src.error_at(text.span(), Some(key), e.message))?;
    if let Some(unknown) = template.unknown_placeholder(names) {
        let hint = closest(unknown, names)
            .map(|c| format!("did you mean {{{c}}}? "))
            .unwrap_or_default();
        return Err(src.error_at(
            text.span(),
            Some(key),
            format!(
                "unknown placeholder {{{unknown}}}: {hint}expected one of {} (or a [suite.params] key; write {{{{ and }}}} for literal braces)",
                list(names)
            ),
        ));
    }
    Ok(template)
}

fn parse_spec(
    src: &ConfigSource,
    key: &str,
    raw: &Spanned<RawCommand>,
    shell: bool,
    names: &[&str],
) -> Result<CommandSpec, ConfigError> {
    match (raw.get_ref(), shell) {
        (RawCommand::Args(args), false) => {
            if args.first().is_none_or(|a| a.get_ref().is_empty()) {
                return Err(src.error_at(
                    raw.span(),
                    Some(key),
                    "expected the program and its arguments, e.g. [\"./solver\", \"--n\", \"{size}\"]; the program must not be empty",
                ));
            }
            Ok(CommandSpec::Args(
                args.iter()
                    .map(|a| parse_template(src, key, a, names))
                    .collect::<Result<_, _>>()?,
            ))
        }
        (RawCommand::Script(_), false) => Err(src.error_at(
            raw.span(),
            Some(key),
            "a command written as one string needs `shell = true` (it is then run by /bin/sh -c); without a shell, write the program and its arguments as a list, e.g. [\"./solver\", \"--n\", \"{size}\"]",
        )),
        (RawCommand::Script(script), true) => {
            if script.trim().is_empty() {
                return Err(src.error_at(raw.span(), Some(key), "the script is empty"));
            }
            let text = Spanned::new(raw.span(), script.clone());
            Ok(CommandSpec::Shell(parse_template(src, key, &text, names)?))
        }
        (RawCommand::Args(_), true) => Err(src.error_at(
            raw.span(),
            Some(key),
            "with `shell = true`, write the command as one string for /bin/sh -c, e.g. \"./solver --n {size} | tail -1\"",
        )),
    }
}

/// The default name of a command suite: the program's file name (`solver` for
/// `./target/release/solver`), or `command` for a shell script.
pub(super) fn default_name(raw: &Spanned<RawCommand>) -> Spanned<String> {
    let name = match raw.get_ref() {
        RawCommand::Args(args) => args
            .first()
            .map(|a| {
                Path::new(a.get_ref())
                    .file_name()
                    .map_or_else(|| a.get_ref().clone(), |f| f.to_string_lossy().into_owned())
            })
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "command".into()),
        RawCommand::Script(_) => "command".into(),
    };
    Spanned::new(raw.span(), name)
}

#[cfg(test)]
mod tests {
    use super::super::{Config, ConfigError, ConfigSource};
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(ConfigSource::new("c.toml", text), 2)
    }

    fn vars(name: &str) -> Option<String> {
        Some(match name {
            "workers" => "4".into(),
            "size" => "1000".into(),
            "tag" => "x; rm -rf $(id) 'q' \"d\" | * > y".into(),
            _ => return None,
        })
    }

    #[test]
    fn a_command_suite_parses_into_templates() {
        let c = parse(
            "[[suite]]\ncommand = [\"./target/release/solver\", \"--threads\", \"{workers}\", \"--n={size}\"]\nenv = { OMP_NUM_THREADS = \"{workers}\" }\nworkers = [1, 2, 4]\nsizes = [1000, { label = \"big\", n = 4000 }]\nexpected-exit-code = 3\ntimeout = \"5s\"\n[suite.verify]\nchecksum = \"checksum: (\\\\w+)\"\n",
        )
        .unwrap();
        let s = &c.suites[0];
        assert_eq!(s.name.get_ref(), "solver", "named after the program");
        assert_eq!(s.workload.get_ref(), "command");
        let cmd = s.command.as_ref().unwrap();
        assert_eq!(cmd.expected_exit_code, 3);
        assert!(cmd.verify.needs_reference() && !cmd.verify.same_output);
        assert_eq!(cmd.setup_timeout, DEFAULT_SETUP_TIMEOUT);
        let line = cmd.command_line(&cmd.command, &vars);
        assert_eq!(line.program, "./target/release/solver");
        assert_eq!(line.args, ["--threads", "4", "--n=1000"]);
        assert_eq!(line.env, [("OMP_NUM_THREADS".into(), "4".into())]);
    }

    #[test]
    fn shell_commands_quote_values_and_plain_ones_keep_them_whole() {
        let c = parse(
            "[[suite]]\nname = \"s\"\nshell = true\ncommand = \"./run --tag {tag} | tail -1\"\nworkers = [1]\nprepare = \"sync\"\n[suite.params]\ntag = \"x\"\n",
        )
        .unwrap();
        let cmd = c.suites[0].command.as_ref().unwrap();
        assert_eq!(c.suites[0].name.get_ref(), "s");
        let line = cmd.command_line(&cmd.command, &vars);
        assert_eq!(line.program, SHELL);
        assert_eq!(
            line.args,
            [
                "-c",
                "./run --tag 'x; rm -rf $(id) '\\''q'\\'' \"d\" | * > y' | tail -1"
            ]
        );
        let c = parse(
            "[[suite]]\ncommand = [\"printf\", \"%s\", \"{tag}\"]\nworkers = [1]\n[suite.params]\ntag = \"x\"\n",
        )
        .unwrap();
        let cmd = c.suites[0].command.as_ref().unwrap();
        let line = cmd.command_line(&cmd.command, &vars);
        assert_eq!(line.args, ["%s", "x; rm -rf $(id) 'q' \"d\" | * > y"]);
    }

    fn err(text: &str) -> ConfigError {
        parse(text).unwrap_err()
    }

    #[test]
    fn workload_and_command_go_alone() {
        let e = err("[[suite]]\nworkload = \"pi\"\ncommand = [\"./a\"]\n");
        assert_eq!((e.line, e.column), (3, 11), "{e}");
        assert_eq!(e.key.as_deref(), Some("suite[1].command"));
        assert!(
            e.message
                .contains("either a built-in `workload` or an external `command`, not both"),
            "{e}"
        );
        let e = err("[[suite]]\nname = \"x\"\n");
        assert!(e.message.contains("missing field `workload`"), "{e}");
        assert!(e.message.contains("command = ["), "{e}");
        let e = err("[[suite]]\nworkload = \"pi\"\nshell = true\n");
        assert_eq!(e.line, 3, "{e}");
        assert_eq!(e.key.as_deref(), Some("suite[1].shell"));
        assert!(e.message.contains("belongs to command suites"), "{e}");
        let e = err("[[suite]]\nworkload = \"pi\"\n[suite.verify]\nsame-output = true\n");
        assert_eq!(e.key.as_deref(), Some("suite[1].verify"), "{e}");
    }

    #[test]
    fn placeholders_and_regexes_are_checked_with_positions() {
        let e = err("[[suite]]\nworkers = [1, 2]\ncommand = [\"./a\", \"-t\", \"{wrkers}\"]\n");
        assert_eq!((e.line, e.column), (3, 25), "{e}");
        assert_eq!(e.key.as_deref(), Some("suite[1].command"));
        assert!(e.message.contains("unknown placeholder {wrkers}"), "{e}");
        assert!(e.message.contains("did you mean {workers}?"), "{e}");
        assert!(e.message.contains("{{"), "{e}");

        let e = err("[[suite]]\nworkers = [1]\ncommand = [\"./a\"]\nenv = { X = \"{size\" }\n");
        assert_eq!(e.line, 4, "{e}");
        assert_eq!(e.key.as_deref(), Some("suite[1].env.X"));
        assert!(e.message.contains("unclosed placeholder"), "{e}");

        let e = err(
            "[[suite]]\nworkers = [1]\ncommand = [\"./a\"]\n[suite.verify]\nmatches = \"([a-z\"\n",
        );
        assert_eq!((e.line, e.column), (5, 11), "{e}");
        assert_eq!(e.key.as_deref(), Some("suite[1].verify.matches"));
        assert!(e.message.contains("invalid regular expression"), "{e}");

        let e = err(
            "[[suite]]\nworkers = [1]\ncommand = [\"./a\"]\n[suite.verify]\nchecksum = \"(\"\n",
        );
        assert_eq!(e.key.as_deref(), Some("suite[1].verify.checksum"), "{e}");
        let e = err("[[suite]]\nworkers = [1]\ncommand = [\"./a\"]\n[suite.verify]\n");
        assert!(e.message.contains("at least one check"), "{e}");
        // The README's example patterns compile; a Unicode class is refused with the reason.
        let verify = "[[suite]]\nworkers = [1]\ncommand = [\"./a\"]\n[suite.verify]\n";
        parse(&format!(
            "{verify}matches = '(?m)^converged$'\nchecksum = 'checksum: (\\w+)'\n"
        ))
        .expect("the README's patterns");
        let e = err(&format!("{verify}matches = '\\p{{Greek}}+'\n"));
        assert!(e.message.contains("without Unicode classes"), "{e}");
        let e =
            err("[[suite]]\nworkers = [1]\ncommand = [\"./a\"]\n[suite.verify]\nregex = \"x\"\n");
        assert!(e.message.contains("unknown field `regex`"), "{e}");
    }

    #[test]
    fn command_shapes_and_shell_must_agree() {
        let e = err("[[suite]]\nworkers = [1]\ncommand = \"./a --n 3\"\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("needs `shell = true`"), "{e}");
        let e = err("[[suite]]\nworkers = [1]\nshell = true\ncommand = [\"./a\"]\n");
        assert!(e.message.contains("one string"), "{e}");
        let e = err("[[suite]]\nworkers = [1]\ncommand = []\n");
        assert!(e.message.contains("program and its arguments"), "{e}");
        let e = err("[[suite]]\nworkers = [1]\ncommand = 3\n");
        assert!(e.message.contains("a list of the program"), "{e}");
        let e = err("[[suite]]\nworkers = [1]\ncommand = [\"./a\"]\nexpected-exit-code = 300\n");
        assert_eq!(e.key.as_deref(), Some("suite[1].expected-exit-code"), "{e}");
        let e = err("[[suite]]\nworkers = [1]\ncommand = [\"./a\"]\nsetup = \"make\"\n");
        assert_eq!(e.key.as_deref(), Some("suite[1].setup"), "{e}");
    }

    #[test]
    fn sweeps_the_command_never_sees_are_rejected() {
        let e = err("[[suite]]\ncommand = [\"./a\"]\nworkers = [1, 2]\n");
        assert_eq!(e.line, 3, "{e}");
        assert_eq!(e.key.as_deref(), Some("suite[1].workers"));
        assert!(e.message.contains("OMP_NUM_THREADS"), "{e}");
        // Through the environment is fine.
        parse("[[suite]]\ncommand = [\"./a\"]\nworkers = [1, 2]\nenv = { T = \"{workers}\" }\n")
            .unwrap();
        let e = err("[[suite]]\nworkers = [1]\ncommand = [\"./a\"]\nsizes = [1, 2]\n");
        assert!(e.message.contains("neither {size} nor {label}"), "{e}");
        let e = err("[[suite]]\nworkers = [1]\ncommand = [\"./a\", \"{size}\"]\n");
        assert!(e.message.contains("has no `sizes`"), "{e}");
        let e = err("[[suite]]\nworkers = [1]\ncommand = [\"./a\", \"{size}\"]\nsizes = [\"S\"]\n");
        assert!(e.message.contains("no named sizes"), "{e}");
        let e =
            err("[[suite]]\nworkers = [1]\ncommand = [\"./a\"]\n[suite.params]\nmode = \"x\"\n");
        assert_eq!(e.key.as_deref(), Some("suite[1].params.mode"), "{e}");
        assert!(e.message.contains("not used"), "{e}");
        let e = err(
            "[[suite]]\nworkers = [1]\ncommand = [\"./a\", \"{workers}\"]\n[suite.params]\nworkers = 3\n",
        );
        assert!(e.message.contains("would hide the placeholder"), "{e}");
    }

    #[test]
    fn working_dir_is_relative_to_the_config_file() {
        let dir = std::env::temp_dir().join(format!("pb-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(
            &file,
            "[[suite]]\nworkers = [1]\ncommand = [\"./a\"]\nworking-dir = \"..\"\n",
        )
        .unwrap();
        let c = Config::parse(ConfigSource::read(&file).unwrap(), 2).unwrap();
        let cmd = c.suites[0].command.as_ref().unwrap();
        assert_eq!(cmd.working_dir.as_deref(), Some(dir.join("..").as_path()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
