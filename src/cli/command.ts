/**
 * What every command of the CLI does around its work: parse, print help, run, and turn failures into
 * one line on stderr (exit 2 for a usage mistake, 1 for anything else).
 */
import { pathToFileURL } from 'node:url';
import { failureStatus } from './args';

export interface Command<A> {
  parse(argv: readonly string[]): A | 'help';
  help(): string;
  /** Runs the command and returns the line to print on success. */
  run(args: A): Promise<string>;
}

/** The command on argv: returns the exit status (0 ok, 1 failure, 2 usage error). */
export async function runCommand<A>(command: Command<A>, argv: readonly string[]): Promise<number> {
  try {
    const args = command.parse(argv);
    if (args === 'help') {
      console.log(command.help());
      return 0;
    }
    console.log(await command.run(args));
    return 0;
  } catch (err) {
    return failureStatus(err);
  }
}

/** Runs the command when its module is the script node was started with. */
export async function runIfMain<A>(moduleUrl: string, command: Command<A>): Promise<void> {
  if (moduleUrl === pathToFileURL(process.argv[1] ?? '').href) {
    process.exitCode = await runCommand(command, process.argv.slice(2));
  }
}

/** A warning on stderr, one line. */
export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}
