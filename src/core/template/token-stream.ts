/**
 * Token access for the template parser: Go's `peek`/`next`/`backup` over the lexer's token list (moving
 * `i` back is a backup), and the parse-error helpers that format `template: line L: <what>`.
 */
import { AppError } from '../errors.js';
import type { Item, ItemType } from './lexer.js';

/** A cursor over tokens; the list ends with an `eof` or `error` item that reading never moves past. */
export class TokenStream {
  /** Index of the next token; parsers move it back to back up. */
  protected i = 0;

  constructor(protected readonly items: Item[]) {}

  protected peek(): Item {
    return this.items[Math.min(this.i, this.items.length - 1)]!;
  }
  protected next(): Item {
    const item = this.peek();
    this.i++;
    return item;
  }
  protected nextNonSpace(): Item {
    let item = this.next();
    while (item.type === 'space') item = this.next();
    return item;
  }
  /** Skip spaces (like Go, they stay consumed) and look at the next token. */
  protected peekNonSpace(): Item {
    while (this.peek().type === 'space') this.i++;
    return this.peek();
  }

  protected fail(
    message: string,
    line = this.items[Math.min(Math.max(this.i - 1, 0), this.items.length - 1)]!.line,
  ): never {
    throw new AppError('INVALID_REQUEST', `template: line ${line}: ${message}`, { details: { line } });
  }
  protected unexpected(item: Item, context: string): never {
    if (item.type === 'error') this.fail(item.val, item.line);
    const shown =
      item.type === 'eof' ? 'EOF' : item.type === 'keyword' ? `<${item.val}>` : JSON.stringify(item.val);
    this.fail(`unexpected ${shown} in ${context}`, item.line);
  }
  protected expect(type: ItemType, context: string): Item {
    const item = this.nextNonSpace();
    if (item.type !== type) this.unexpected(item, context);
    return item;
  }
}
