/**
 * The parser of Go's `text/template` (`text/template/parse/parse.go`): tokens → {@link ParsedTemplate}.
 * Like Go it checks at parse time that functions exist, variables are declared, `break`/`continue` sit inside
 * a `range`, and a template is not defined twice. Errors read `template: line L: <what>`.
 */
import type { Arg, BranchNode, CommandNode, ListNode, Node, PipeNode, TemplateNode } from './ast.js';
import { lex, type Item, type ItemType } from './lexer.js';
import { TokenStream } from './token-stream.js';
import { parseNumber, unquoteChar, unquoteString } from './literals.js';

/** A parsed template: the main body and the templates it defines with `define`/`block`. */
export interface ParsedTemplate {
  root: ListNode;
  defines: Map<string, ListNode>;
}

type Control = { type: 'end'; line: number } | { type: 'else'; line: number; chained?: 'if' | 'with' };

const OPERAND_START = new Set<ItemType>([
  'bool',
  'charConstant',
  'complex',
  'dot',
  'field',
  'identifier',
  'number',
  'nil',
  'rawString',
  'string',
  'variable',
  'leftParen',
]);

/** Parse template text; `functions` are the names the template may call. Throws `AppError('INVALID_REQUEST')`. */
export function parse(text: string, functions: ReadonlySet<string>): ParsedTemplate {
  return new Parser(lex(text), functions).parseAll();
}

class Parser extends TokenStream {
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private readonly defines = new Map<string, ListNode>();

  constructor(
    items: Item[],
    private readonly functions: ReadonlySet<string>,
  ) {
    super(items);
  }

  parseAll(): ParsedTemplate {
    const root: ListNode = { type: 'list', nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const mark = this.i;
        this.next();
        const word = this.nextNonSpace();
        if (word.type === 'keyword' && word.val === 'define') {
          this.parseDefinition();
          continue;
        }
        this.i = mark;
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.fail(`unexpected {{${n.type}}}`, n.line);
      root.nodes.push(n);
    }
    return { root, defines: this.defines };
  }

  // --- structure ----------------------------------------------------------------------------------------------

  private withScope<T>(fresh: boolean, body: () => T): T {
    const saved = this.vars;
    const savedDepth = this.rangeDepth;
    this.vars = fresh ? ['$'] : [...saved];
    if (fresh) this.rangeDepth = 0;
    try {
      return body();
    } finally {
      this.vars = saved;
      this.rangeDepth = savedDepth;
    }
  }

  private addDefine(name: string, list: ListNode, line: number): void {
    const old = this.defines.get(name);
    if (old === undefined || isEmptyTree(old)) this.defines.set(name, list);
    else if (!isEmptyTree(list)) this.fail(`multiple definition of template ${JSON.stringify(name)}`, line);
  }

  private parseDefinition(): void {
    const nameItem = this.nextNonSpace();
    if (nameItem.type !== 'string' && nameItem.type !== 'rawString')
      this.unexpected(nameItem, 'define clause');
    const name = this.unquote(nameItem);
    this.expect('rightDelim', 'define clause');
    const { list, end } = this.withScope(true, () => this.itemList());
    if (end.type !== 'end') this.fail('unexpected {{else}} in define clause', end.line);
    this.addDefine(name, list, nameItem.line);
  }

  private itemList(): { list: ListNode; end: Control } {
    const list: ListNode = { type: 'list', nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return { list, end: n };
      list.nodes.push(n);
    }
    return this.fail('unexpected EOF', this.peek().line);
  }

  private textOrAction(): Node | Control {
    const item = this.nextNonSpace();
    if (item.type === 'text') return { type: 'text', text: item.val };
    if (item.type === 'leftDelim') return this.action(item.line);
    return this.unexpected(item, 'input');
  }

  private action(line: number): Node | Control {
    const item = this.nextNonSpace();
    if (item.type === 'keyword') {
      switch (item.val) {
        case 'block':
          return this.blockControl();
        case 'break':
        case 'continue':
          return this.loopControl(item.val, line);
        case 'else':
          return this.elseControl(line);
        case 'end':
          this.expect('rightDelim', 'end');
          return { type: 'end', line };
        case 'if':
        case 'range':
        case 'with':
          return this.branch(item.val, line);
        case 'template':
          return this.templateControl(line);
      }
    }
    this.i--;
    return { type: 'action', line, pipe: this.pipeline('command', 'rightDelim') };
  }

  private loopControl(kind: 'break' | 'continue', line: number): Node {
    const item = this.nextNonSpace();
    if (item.type !== 'rightDelim') this.unexpected(item, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.fail(`{{${kind}}} outside {{range}}`, line);
    return { type: kind, line };
  }

  private elseControl(line: number): Control {
    const item = this.peekNonSpace();
    if (item.type === 'keyword' && (item.val === 'if' || item.val === 'with')) {
      return { type: 'else', line, chained: item.val };
    }
    this.expect('rightDelim', 'else');
    return { type: 'else', line };
  }

  private branch(type: BranchNode['type'], line: number): BranchNode {
    return this.withScope(false, () => {
      const pipe = this.pipeline(type, 'rightDelim');
      if (type === 'range') this.rangeDepth++;
      const body = this.itemList();
      if (type === 'range') this.rangeDepth--;
      const node: BranchNode = { type, line, pipe, list: body.list };
      const end = body.end;
      if (end.type === 'else') {
        // `{{else if …}}` (and Go 1.23's `{{else with …}}`) chains a nested branch that shares the `{{end}}`.
        if (end.chained !== undefined && (end.chained === 'if' ? type === 'if' : type === 'with')) {
          this.nextNonSpace();
          node.elseList = { type: 'list', nodes: [this.branch(end.chained, end.line)] };
        } else {
          if (end.chained !== undefined) this.expect('rightDelim', 'else');
          const rest = this.itemList();
          if (rest.end.type !== 'end') this.fail('expected end; found {{else}}', rest.end.line);
          node.elseList = rest.list;
        }
      }
      return node;
    });
  }

  private templateName(context: string): string {
    const item = this.nextNonSpace();
    if (item.type !== 'string' && item.type !== 'rawString') this.unexpected(item, context);
    return this.unquote(item);
  }

  private templateControl(line: number): TemplateNode {
    const name = this.templateName('template clause');
    if (this.nextNonSpace().type === 'rightDelim') return { type: 'template', line, name };
    this.i--;
    return { type: 'template', line, name, pipe: this.pipeline('template clause', 'rightDelim') };
  }

  private blockControl(): TemplateNode {
    const line = this.peek().line;
    const name = this.templateName('block clause');
    const pipe = this.pipeline('block clause', 'rightDelim');
    const { list, end } = this.withScope(true, () => this.itemList());
    if (end.type !== 'end') this.fail('unexpected {{else}} in block clause', end.line);
    this.addDefine(name, list, line);
    return { type: 'template', line, name, pipe };
  }

  // --- pipelines ----------------------------------------------------------------------------------------------

  private pipeline(context: string, end: ItemType): PipeNode {
    const pipe: PipeNode = {
      type: 'pipe',
      line: this.peekNonSpace().line,
      isAssign: false,
      decl: [],
      cmds: [],
    };
    for (;;) {
      if (this.peekNonSpace().type !== 'variable') break;
      const mark = this.i;
      const v = this.nextNonSpace();
      const after = this.peekNonSpace();
      if (after.type === 'assign' || after.type === 'declare') {
        pipe.isAssign = after.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push(v.val);
        this.vars.push(v.val);
        break;
      }
      if (after.type === 'char' && after.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(v.val);
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const t = this.peekNonSpace().type;
          if (t === 'variable' || t === 'rightDelim' || t === 'rightParen') continue;
          this.fail('range can only initialize variables', v.line);
        }
        this.fail(`too many declarations in ${context}`, v.line);
      }
      this.i = mark;
      break;
    }
    for (;;) {
      const item = this.nextNonSpace();
      if (item.type === end) {
        this.checkPipeline(pipe, context, item.line);
        return pipe;
      }
      if (!OPERAND_START.has(item.type)) this.unexpected(item, context);
      this.i--;
      pipe.cmds.push(this.command());
    }
  }

  private checkPipeline(pipe: PipeNode, context: string, line: number): void {
    if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`, line);
    pipe.cmds.slice(1).forEach((c, i) => {
      if (['bool', 'dot', 'nil', 'number', 'string'].includes(c.args[0]!.type)) {
        this.fail(`non executable command in pipeline stage ${i + 2}`, line);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const item = this.next();
      if (item.type === 'space') continue;
      if (item.type === 'rightDelim' || item.type === 'rightParen') this.i--;
      else if (item.type !== 'pipe') this.unexpected(item, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.fail('empty command');
    return cmd;
  }

  private operand(): Arg | undefined {
    const term = this.term();
    if (!term || this.peek().type !== 'field') return term;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (term.type) {
      case 'field':
        return { type: 'field', ident: [...term.ident, ...fields] };
      case 'variable':
        return { type: 'variable', ident: [...term.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        return this.fail(
          `unexpected . after term ${JSON.stringify(term.type === 'dot' ? '.' : String(termText(term)))}`,
        );
      default:
        return { type: 'chain', node: term, fields };
    }
  }

  private term(): Arg | undefined {
    const item = this.nextNonSpace();
    switch (item.type) {
      case 'identifier':
        if (!this.functions.has(item.val))
          this.fail(`function ${JSON.stringify(item.val)} not defined`, item.line);
        return { type: 'identifier', name: item.val };
      case 'dot':
        return { type: 'dot' };
      case 'nil':
        return { type: 'nil' };
      case 'variable':
        if (!this.vars.includes(item.val))
          this.fail(`undefined variable ${JSON.stringify(item.val)}`, item.line);
        return { type: 'variable', ident: [item.val] };
      case 'field':
        return { type: 'field', ident: [item.val.slice(1)] };
      case 'bool':
        return { type: 'bool', value: item.val === 'true' };
      case 'number':
      case 'complex':
        return { type: 'number', text: item.val, ...this.guard(item, () => parseNumber(item.val)) };
      case 'charConstant': {
        const r = BigInt(this.guard(item, () => unquoteChar(item.val)));
        return { type: 'number', text: item.val, int: r, float: Number(r) };
      }
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { type: 'string', quoted: item.val, text: this.unquote(item) };
      default:
        this.i--;
        return undefined;
    }
  }

  private unquote(item: Item): string {
    return this.guard(item, () => unquoteString(item.val));
  }

  private guard<T>(item: Item, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      // Literal errors are plain Errors with Go's wording; give them the template's message format.
      return this.fail(err instanceof Error ? err.message : String(err), item.line);
    }
  }
}

function termText(term: Arg): string {
  return term.type === 'string' ? term.quoted : term.type === 'number' ? term.text : term.type;
}

/** Go's `parse.IsEmptyTree`: only white-space text. */
function isEmptyTree(list: ListNode): boolean {
  return list.nodes.every((n) => n.type === 'text' && n.text.trim() === '');
}
