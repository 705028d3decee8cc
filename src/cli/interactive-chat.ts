/**
 * `corral run MODEL` without a prompt: a chat session on the terminal, like Ollama's. Multi-line input between
 * `"""` lines, slash commands (`/bye`, `/clear`, `/set …`, `/show …`, `/?`), Ctrl-C cancels the current answer
 * (not the session), Ctrl-D on an empty line or `/bye` ends it.
 */
import { createInterface } from 'node:readline';
import type { Client, WireChatMessage } from '../api/index.js';
import { parseParameterValue } from '../store/index.js';
import type { CliIo } from './io.js';
import { renderStats } from './verbose-stats.js';
import { renderShow } from './commands/show.js';

export interface ChatSettings {
  model: string;
  format: 'json' | undefined;
  verbose: boolean;
  keepAlive: string | undefined;
}

const HELP = `Available Commands:
  /set            Set session variables
  /show           Show model information
  /clear          Clear session context
  /bye            Exit
  /?, /help       Help for a command

Use """ to begin a multi-line message.
`;

const SET_HELP = `Available Commands:
  /set parameter ...     Set a parameter
  /set system <string>   Set system message
  /set format json       Enable JSON mode
  /set noformat          Disable formatting
  /set verbose           Show LLM stats
  /set quiet             Disable LLM stats
`;

export async function interactiveChat(io: CliIo, client: Client, settings: ChatSettings): Promise<void> {
  const terminal = io.stdin.isTTY === true && io.stdout.isTTY === true;
  const rl = createInterface({ input: io.stdin, output: io.stdout, terminal, prompt: '>>> ' });
  const say = (text: string) => io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const history: WireChatMessage[] = [];
  const options: Record<string, unknown> = {};
  let system: string | undefined;
  let current: AbortController | undefined;
  let multiline: string[] | undefined;

  rl.on('SIGINT', () => {
    if (current) return current.abort();
    multiline = undefined;
    say('\nUse Ctrl + d or /bye to exit.');
    rl.prompt();
  });

  const ask = async (content: string) => {
    history.push({ role: 'user', content });
    current = new AbortController();
    let answer = '';
    try {
      const messages =
        system === undefined ? history : [{ role: 'system' as const, content: system }, ...history];
      const final = await client.chat(
        {
          model: settings.model,
          messages,
          options,
          format: settings.format,
          keep_alive: settings.keepAlive,
          stream: true,
        },
        {
          signal: current.signal,
          onProgress: (part) => {
            answer += part.message.content;
            io.stdout.write(part.message.content);
          },
        },
      );
      history.push({ role: 'assistant', content: answer });
      say('\n');
      if (settings.verbose) io.stderr.write(renderStats(final));
    } catch (err) {
      history.pop();
      if (!current.signal.aborted) throw err;
      say('\n');
    } finally {
      current = undefined;
    }
  };

  const command = async (line: string): Promise<boolean> => {
    const [cmd = '', sub = '', ...rest] = line.trim().split(/\s+/);
    const value = line.trim().split(/\s+/).slice(2).join(' ');
    switch (cmd) {
      case '/bye':
        return false;
      case '/?':
      case '/help':
        say(HELP);
        break;
      case '/clear':
        history.length = 0;
        say('Cleared session context');
        break;
      case '/set':
        setCommand(sub, rest, value);
        break;
      case '/show': {
        const shown = await client.show({ model: settings.model });
        const text =
          sub === 'info' || sub === ''
            ? renderShow(shown)
            : (shown as unknown as Record<string, unknown>)[sub];
        say(typeof text === 'string' && text !== '' ? text : `No ${sub} was specified for this model.`);
        break;
      }
      default:
        say(`Unknown command '${cmd}'. Type /? for help`);
    }
    return true;
  };

  const setCommand = (sub: string, rest: string[], value: string) => {
    if (sub === 'parameter' && rest.length >= 2) {
      const [key = '', ...words] = rest;
      const raw = words.join(' ');
      const parsed = parseParameterValue(key, raw);
      options[key] =
        key === 'stop' ? [...((options.stop as string[] | undefined) ?? []), String(parsed)] : parsed;
      say(`Set parameter '${key}' to '${raw}'`);
    } else if (sub === 'system' && value !== '') {
      system = value.replace(/^"+|"+$/g, '');
      say('Set system message.');
    } else if (sub === 'format' && rest[0] === 'json') {
      settings.format = 'json';
      say("Set format to 'json' mode.");
    } else if (sub === 'noformat') {
      settings.format = undefined;
      say('Disabled format.');
    } else if (sub === 'verbose' || sub === 'quiet') {
      settings.verbose = sub === 'verbose';
      say(`Set '${sub}' mode.`);
    } else {
      say(SET_HELP);
    }
  };

  rl.prompt();
  for await (const line of rl) {
    if (multiline !== undefined) {
      const end = line.endsWith('"""');
      multiline.push(end ? line.slice(0, -3) : line);
      if (!end) continue;
      const text = multiline.join('\n');
      multiline = undefined;
      await runGuarded(() => ask(text));
    } else if (line.startsWith('"""')) {
      const first = line.slice(3);
      if (first.endsWith('"""') && first.length >= 3) await runGuarded(() => ask(first.slice(0, -3)));
      else multiline = [first];
      if (multiline) continue;
    } else if (line.startsWith('/')) {
      if (!(await runGuarded(() => command(line)))) break;
    } else if (line.trim() !== '') {
      await runGuarded(() => ask(line));
    }
    rl.prompt();
  }
  rl.close();

  async function runGuarded<T>(fn: () => Promise<T>): Promise<T | true> {
    try {
      return await fn();
    } catch (err) {
      // The session survives a failed turn (a model error, a dropped connection): report it and go on.
      say(`Error: ${(err as Error).message}`);
      return true;
    }
  }
}
