//! Who runs a command: `--user NAME` with the password as the first line
//! on stdin, or the account mapped to the operating-system user. Commands
//! that show or change a person's data, and every administration command,
//! need a session whose role allows it ([`scanstelle::protect::users::Role::may`]).

use anyhow::{Result, bail};
use scanstelle::config::Config;
use scanstelle::protect::users::{self, Action, Session};

/// One line from stdin (passwords are never arguments).
pub fn stdin_line(what: &str) -> Result<String> {
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line)? == 0 {
        bail!("{what} fehlt auf der Standardeingabe");
    }
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// Signs in for `action`: as `user` (password from stdin) or as the
/// account mapped to the OS user; refused in words otherwise.
pub fn sign_in(config: &Config, user: Option<&str>, action: Action) -> Result<Session> {
    let store = super::open_store(config)?;
    let session = match user {
        Some(name) => {
            let password = stdin_line(&format!("Passwort von {name}"))?;
            users::sign_in(&store, name, &password)?
        }
        None => {
            let os = users::os_user();
            match users::sign_in_os(&store, &os)? {
                Some(s) => s,
                None if !users::has_accounts(&store)? => bail!(
                    "Es gibt noch kein Konto. Das erste legt `scanstelle user add NAME --role admin [--os-user {os}]` an (Passwort auf der Standardeingabe)."
                ),
                None => bail!(
                    "{} braucht eine Anmeldung: `scanstelle --user NAME …` (Passwort als erste Zeile der Standardeingabe) oder ein dem Betriebssystemkonto {os} zugeordnetes Konto (`user add … --os-user {os}`).",
                    action.words()
                ),
            }
        }
    };
    session.require(action)?;
    Ok(session)
}
