//! An MCP server that requires OAuth access tokens: HS256 JWTs checked by
//! [`JwtVerifier`], a tool that says who called it, and one that needs the
//! `notes:write` scope.
//!
//! ```text
//! # serve (prints the MCP URL on stdout once it accepts connections)
//! cargo run -p auth -- --bind 127.0.0.1:8000
//!
//! # mint a test token for that server (same secret, audience and issuer)
//! cargo run -p auth -- --mint-token alice --scope notes:write
//!
//! # the same tools over stdio, where there are no tokens: auth is off
//! cargo run -p auth -- --stdio
//!
//! # JWTs of a real identity provider, found by its issuer URL (OpenID
//! # Connect discovery / RFC 8414, keys fetched over HTTPS)
//! cargo run -p auth -- --issuer https://idp.example --resource https://mcp.example.com/mcp
//!
//! # opaque tokens, checked at the provider's RFC 7662 introspection endpoint
//! # (this server's client id and secret from --client-id / --client-secret or
//! # FERRYMCP_CLIENT_ID / FERRYMCP_CLIENT_SECRET)
//! cargo run -p auth -- --introspect https://idp.example/oauth2/introspect \
//!     --authorization-server https://idp.example --client-id mcp --client-secret ...
//! ```
//!
//! `--ca-cert FILE` trusts a private certificate authority (PEM) for the
//! provider's HTTPS endpoints besides the public ones.
//!
//! The signing secret comes from `--secret` or `FERRYMCP_AUTH_SECRET` (a
//! development default otherwise). Tokens must name the server's resource URL
//! (`http://HOST:PORT/mcp`, or `--resource`) as their audience and the
//! authorization server (`--authorization-server`, default
//! `http://127.0.0.1:9000`) as their issuer. This example has no
//! authorization server of its own: `--mint-token` stands in for one.
//!
//! The protected-resource metadata (RFC 9728) is served at
//! `/.well-known/oauth-protected-resource/mcp` and
//! `/.well-known/oauth-protected-resource`.

use ferrymcp::auth::{AuthConfig, HttpClient, IntrospectionVerifier, JwtVerifier, TokenVerifier};
use ferrymcp::prelude::*;
use ferrymcp::ToolList;
use schemars::JsonSchema;
use serde::Serialize;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The secret used when neither `--secret` nor `FERRYMCP_AUTH_SECRET` is set.
/// For trying the example only.
const DEV_SECRET: &str = "ferrymcp-example-dev-secret-do-not-deploy";
/// The environment variable holding the signing secret.
const SECRET_ENV: &str = "FERRYMCP_AUTH_SECRET";
/// The default authorization server, which is also the tokens' issuer.
const DEFAULT_AUTHORIZATION_SERVER: &str = "http://127.0.0.1:9000";
/// The scope `add_note` needs.
const NOTES_WRITE: &str = "notes:write";

/// Who is calling, as the verified access token says.
#[derive(Serialize, JsonSchema)]
struct Caller {
    /// The subject (`sub`): the user the client acts for.
    subject: Option<String>,
    /// The OAuth client the token was issued to.
    client_id: Option<String>,
    /// The scopes the token grants.
    scopes: Vec<String>,
    /// When the token expires (Unix seconds).
    expires_at: Option<u64>,
}

/// Says who is calling: the subject, client and scopes of the caller's token.
#[tool(read_only)]
async fn whoami(token: AccessToken) -> Caller {
    Caller {
        subject: token.subject().map(str::to_owned),
        client_id: token.client_id().map(str::to_owned),
        scopes: token.scopes().to_vec(),
        expires_at: token
            .expires_at()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs()),
    }
}

/// The notes written so far: the server's lifespan value.
#[derive(Default)]
struct Notes {
    list: Mutex<Vec<String>>,
}

/// Adds a note, signed with the caller's subject. Needs the `notes:write` scope.
#[tool(scopes = ["notes:write"])]
async fn add_note(
    /// The note.
    text: String,
    token: AccessToken,
    notes: Lifespan<Notes>,
) -> Result<String, ToolError> {
    if text.trim().is_empty() {
        return Err(ToolError::new("the note is empty"));
    }
    let author = token.subject().unwrap_or("someone");
    let mut notes = notes.list.lock().unwrap_or_else(|e| e.into_inner());
    notes.push(format!("{author}: {text}"));
    Ok(format!("note {} added by {author}", notes.len()))
}

/// Lists the notes written so far. Any caller with a valid token may read them.
#[tool(read_only)]
async fn list_notes(notes: Lifespan<Notes>) -> Vec<String> {
    notes.list.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// What the command line asks for.
enum Command {
    Serve(Settings),
    Mint {
        settings: Settings,
        subject: String,
        scopes: Vec<String>,
        ttl_secs: u64,
    },
    Stdio,
}

/// The settings shared by serving and minting.
struct Settings {
    bind: String,
    resource: Option<String>,
    authorization_server: String,
    secret: Option<String>,
    hide_unauthorized_tools: bool,
    /// JWTs of the provider at this issuer (discovery) instead of HS256.
    issuer: Option<String>,
    /// Opaque tokens checked at this introspection endpoint.
    introspect: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    /// A PEM file of extra trusted roots for the provider's HTTPS.
    ca_cert: Option<String>,
}

impl Settings {
    /// The resource URL (the tokens' audience) for a server on `addr`.
    fn resource_for(&self, addr: &str) -> String {
        self.resource
            .clone()
            .unwrap_or_else(|| format!("http://{addr}/mcp"))
    }

    /// The signing secret: `--secret`, else the environment, else the
    /// development default (with a warning).
    fn secret(&self) -> String {
        if let Some(secret) = &self.secret {
            return secret.clone();
        }
        match std::env::var(SECRET_ENV) {
            Ok(secret) if !secret.is_empty() => secret,
            _ => {
                eprintln!(
                    "warning: using the example's development secret; set --secret or {SECRET_ENV}"
                );
                DEV_SECRET.to_owned()
            }
        }
    }
}

const USAGE: &str = "usage:
  auth [--bind HOST:PORT] [--resource URL] [--authorization-server URL] [--secret S] [--hide-unauthorized-tools]
  auth --issuer URL [--resource URL] [--ca-cert FILE] [--bind HOST:PORT] [--hide-unauthorized-tools]
  auth --introspect URL --authorization-server URL [--client-id ID] [--client-secret S] [--ca-cert FILE] [--resource URL] [--bind HOST:PORT]
  auth --mint-token SUBJECT [--scope SCOPE]... [--ttl SECONDS] [--bind HOST:PORT | --resource URL] [--authorization-server URL] [--secret S]
  auth --stdio";

fn parse_args() -> Result<Command, String> {
    let mut args = std::env::args().skip(1);
    let mut settings = Settings {
        bind: "127.0.0.1:8000".into(),
        resource: None,
        authorization_server: DEFAULT_AUTHORIZATION_SERVER.into(),
        secret: None,
        hide_unauthorized_tools: false,
        issuer: None,
        introspect: None,
        client_id: None,
        client_secret: None,
        ca_cert: None,
    };
    let mut mint: Option<String> = None;
    let mut scopes = Vec::new();
    let mut ttl_secs = 3600;
    let mut stdio = false;
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_owned(), Some(value.into())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs {what}\n{USAGE}"))
        };
        match name.as_str() {
            "--bind" => settings.bind = value("HOST:PORT")?,
            "--resource" => settings.resource = Some(value("a URL")?),
            "--authorization-server" => settings.authorization_server = value("a URL")?,
            "--secret" => settings.secret = Some(value("a secret")?),
            "--hide-unauthorized-tools" => settings.hide_unauthorized_tools = true,
            "--issuer" => settings.issuer = Some(value("a URL")?),
            "--introspect" => settings.introspect = Some(value("a URL")?),
            "--client-id" => settings.client_id = Some(value("a client id")?),
            "--client-secret" => settings.client_secret = Some(value("a secret")?),
            "--ca-cert" => settings.ca_cert = Some(value("a PEM file")?),
            "--mint-token" => mint = Some(value("a subject")?),
            "--scope" => scopes.push(value("a scope")?),
            "--ttl" => {
                ttl_secs = value("seconds")?
                    .parse()
                    .map_err(|_| format!("--ttl needs a number of seconds\n{USAGE}"))?
            }
            "--stdio" => stdio = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if settings.issuer.is_some() && settings.introspect.is_some() {
        return Err(format!(
            "--issuer and --introspect exclude each other\n{USAGE}"
        ));
    }
    Ok(match (mint, stdio) {
        (Some(_), true) => {
            return Err(format!(
                "--mint-token and --stdio exclude each other\n{USAGE}"
            ))
        }
        (Some(subject), false) => Command::Mint {
            settings,
            subject,
            scopes,
            ttl_secs,
        },
        (None, true) => Command::Stdio,
        (None, false) => Command::Serve(settings),
    })
}

/// A signed HS256 token for the server `settings` describe.
fn mint(
    settings: &Settings,
    subject: &str,
    scopes: &[String],
    ttl_secs: u64,
) -> Result<String, Box<dyn std::error::Error>> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let claims = serde_json::json!({
        "iss": settings.authorization_server,
        "aud": settings.resource_for(&settings.bind),
        "sub": subject,
        "client_id": "auth-example-cli",
        "scope": scopes.join(" "),
        "iat": now,
        "exp": now + ttl_secs,
    });
    let key = jsonwebtoken::EncodingKey::from_secret(settings.secret().as_bytes());
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &key,
    )?)
}

/// The HTTP client for the provider: the public roots, and `--ca-cert`'s.
fn http_client(settings: &Settings) -> Result<HttpClient, Box<dyn std::error::Error>> {
    let mut builder = HttpClient::builder();
    if let Some(path) = &settings.ca_cert {
        let pem = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        builder = builder.add_root_certificate_pem(pem);
    }
    Ok(builder.build()?)
}

/// This server's client credentials at the provider.
fn client_credentials(settings: &Settings) -> Result<(String, String), String> {
    let from = |given: &Option<String>, env: &str| {
        given
            .clone()
            .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
            .ok_or_else(|| format!("--introspect needs {env} or its option\n{USAGE}"))
    };
    Ok((
        from(&settings.client_id, "FERRYMCP_CLIENT_ID")?,
        from(&settings.client_secret, "FERRYMCP_CLIENT_SECRET")?,
    ))
}

fn auth_config(
    verifier: impl TokenVerifier,
    resource: &str,
    authorization_server: &str,
    settings: &Settings,
) -> Result<AuthConfig, ferrymcp::auth::AuthConfigError> {
    AuthConfig::builder(verifier)
        .resource(resource)
        .authorization_server(authorization_server)
        .scopes_supported([NOTES_WRITE])
        .resource_name("ferrymcp auth example")
        .hide_unauthorized_tools(settings.hide_unauthorized_tools)
        .build()
}

fn tools() -> ToolList<Notes> {
    tools![whoami, add_note, list_notes]
}

async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind(&settings.bind).await?;
    let addr = listener.local_addr()?;
    let resource = settings.resource_for(&addr.to_string());
    let auth = if let Some(issuer) = &settings.issuer {
        // A provider's JWTs: its keys found from its issuer URL.
        let verifier = JwtVerifier::from_issuer_with(issuer, &http_client(&settings)?)
            .await?
            .audience(&resource);
        auth_config(verifier, &resource, issuer, &settings)?
    } else if let Some(endpoint) = &settings.introspect {
        // Opaque tokens: asked about at the provider's introspection endpoint.
        let (id, secret) = client_credentials(&settings)?;
        let verifier =
            IntrospectionVerifier::new(endpoint, id, secret)?.http_client(http_client(&settings)?);
        auth_config(
            verifier,
            &resource,
            &settings.authorization_server,
            &settings,
        )?
    } else {
        let verifier = JwtVerifier::hs256(settings.secret())
            .audience(&resource)
            .issuer(&settings.authorization_server);
        auth_config(
            verifier,
            &resource,
            &settings.authorization_server,
            &settings,
        )?
    };
    let server = Server::builder("auth-example")
        .version(env!("CARGO_PKG_VERSION"))
        .instructions("Call whoami to see your token; add_note needs the notes:write scope.")
        .lifespan(|| async { Ok::<_, std::io::Error>(Notes::default()) })
        .auth(auth)
        .tools(tools())
        .build()
        .await?;
    let app = axum::Router::new()
        .merge(server.router_at("/mcp"))
        .merge(server.well_known_router());
    println!("http://{addr}/mcp");
    tracing::info!(%resource, "serving; mint a token with --mint-token SUBJECT");
    ferrymcp::transport::http::serve(listener, app).await?;
    server.shutdown().await;
    Ok(())
}

async fn serve_stdio() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::builder("auth-example")
        .version(env!("CARGO_PKG_VERSION"))
        .lifespan(|| async { Ok::<_, std::io::Error>(Notes::default()) })
        .tools(tools())
        .build()
        .await?;
    server.serve_stdio().await?;
    server.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let command = match parse_args() {
        Ok(command) => command,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    match command {
        Command::Serve(settings) => serve(settings).await,
        Command::Mint {
            settings,
            subject,
            scopes,
            ttl_secs,
        } => {
            println!("{}", mint(&settings, &subject, &scopes, ttl_secs)?);
            Ok(())
        }
        Command::Stdio => serve_stdio().await,
    }
}
