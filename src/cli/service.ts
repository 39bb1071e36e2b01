// `neurocards service install`: writes a systemd unit for this executable, so the owner does not
// have to learn unit files. build/neurocards.service is the same unit, documented, for doing it by hand.
import { existsSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { type Command, Option } from "commander";
import { envSchema } from "../config/schema.ts";
import { CliError, type CliIo } from "./io.ts";

export interface UnitOptions {
  executable: string;
  workingDirectory: string;
  user: string | undefined;
  command: "run" | "worker";
  envFile: string | undefined;
  /** Folders the service may write (everything else is read-only to it). */
  writablePaths: string[];
}

/**
 * `true` hides /home, /root and /run/user entirely, and a writable folder inside a hidden one
 * cannot be reached. A folder there (an install in /home/ubuntu) gets `read-only` instead: the
 * homes stay readable only, and ReadWritePaths nested inside them stay writable.
 */
function protectHome(writable: string[]): "true" | "read-only" {
  const homes = ["/home", "/root", "/run/user"];
  return writable.some((p) => homes.some((h) => p === h || p.startsWith(`${h}/`))) ? "read-only" : "true";
}

export function renderUnit(o: UnitOptions): string {
  const exec = [o.executable, ...(o.envFile ? ["--env-file", o.envFile] : []), o.command].join(" ");
  return `[Unit]
Description=Neurocards Telegram bot (${o.command})
Wants=network-online.target
After=network-online.target postgresql.service

[Service]
Type=simple
${o.user ? `User=${o.user}\n` : ""}WorkingDirectory=${o.workingDirectory}
ExecStart=${exec}
# SIGTERM: stop polling, let running steps reach a safe point, close the database (under 10 s).
KillSignal=SIGTERM
TimeoutStopSec=20
Restart=on-failure
RestartSec=5
# Read-only system; the working directory and the configured data folders stay writable. With
# ProtectHome the addon cache falls back to the data folder on its own.
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=${protectHome(o.writablePaths)}
PrivateTmp=true
ReadWritePaths=${o.writablePaths.map((p) => (/\s/.test(p) ? `"${p}"` : p)).join(" ")}

[Install]
WantedBy=multi-user.target
`;
}

/**
 * ProtectSystem=strict leaves only ReadWritePaths writable: the working directory, and every
 * folder the program writes that lies outside it (BACKUP_DIR, STORAGE_PATH, the SQLite file's
 * folder). Relative settings are relative to the working directory, as for the running service.
 * Read from the environment alone: the unit can be written before the rest of .env is complete.
 */
export function writablePaths(env: NodeJS.ProcessEnv, workingDirectory: string): string[] {
  const shape = envSchema.def.left.shape;
  const setting = (name: "BACKUP_DIR" | "STORAGE_PATH" | "DATABASE_PATH") =>
    resolve(workingDirectory, shape[name].parse(env[name]?.trim() || undefined));
  const wanted = [setting("BACKUP_DIR"), setting("STORAGE_PATH")];
  if (env.DATABASE_TYPE?.trim() !== "postgres") wanted.push(dirname(setting("DATABASE_PATH")));
  const paths = [workingDirectory];
  const covered = (p: string) =>
    paths.some((q) => {
      const rel = relative(q, p);
      return rel === "" || (rel !== ".." && !rel.startsWith("../") && !isAbsolute(rel));
    });
  for (const p of wanted) if (!covered(p)) paths.push(p);
  return paths;
}

export function registerServiceCommands(program: Command, io: CliIo): void {
  const service = program.command("service").description("run neurocards as a systemd service");
  service
    .command("install")
    .description("write a systemd unit file for this executable (then: systemctl enable --now neurocards)")
    .option("--name <name>", "unit name", "neurocards")
    .option("--user <user>", "run as this user (default: root, or the user in the unit you edit)")
    .option("--dir <path>", "working directory with .env and data/ (default: the executable's folder)")
    .addOption(
      new Option("--command <cmd>", "what the service runs").choices(["run", "worker"]).default("run"),
    )
    .option("--unit-dir <path>", "where unit files go", "/etc/systemd/system")
    .option("--print", "print the unit instead of writing it")
    .action(
      (
        opts: {
          name: string;
          user?: string;
          dir?: string;
          command: "run" | "worker";
          unitDir: string;
          print?: boolean;
        },
        cmd: Command,
      ) => {
        const executable = resolve(io.execPath);
        const workingDirectory = resolve(io.cwd, opts.dir ?? dirname(executable));
        const envFile = cmd.optsWithGlobals<{ envFile?: string }>().envFile;
        const paths = writablePaths(io.env, workingDirectory);
        const unit = renderUnit({
          executable,
          workingDirectory,
          user: opts.user,
          command: opts.command,
          envFile: envFile ? resolve(io.cwd, envFile) : undefined,
          writablePaths: paths,
        });
        // systemd refuses to start a unit whose ReadWritePaths do not exist.
        for (const p of paths.slice(1))
          if (!existsSync(p))
            io.err(
              `note: ${p} does not exist yet; create it, writable by the service's user, before starting`,
            );
        if (opts.print) {
          io.out(unit);
          return;
        }
        const path = join(opts.unitDir, `${opts.name}.service`);
        try {
          writeFileSync(path, unit);
        } catch (err) {
          throw new CliError(
            `cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? "error"}): run it with sudo, or use --print and save the unit yourself`,
          );
        }
        io.out(`wrote ${path}`);
        io.out(`next: sudo systemctl daemon-reload && sudo systemctl enable --now ${opts.name}`);
        io.out(`logs: journalctl -u ${opts.name} -f`);
      },
    );
}
