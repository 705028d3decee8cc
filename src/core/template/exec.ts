/**
 * The evaluator of Go's `text/template` (`text/template/exec.go`) over the value model of `values.ts`, with
 * Ollama's `missingkey=zero` option: a missing map key yields a nil interface, printed as `<no value>`.
 * Errors read `template: line L: executing <pipeline>: <what>`.
 */
import { AppError } from '../errors.js';
import {
  argString,
  type Arg,
  type BranchNode,
  type ListNode,
  type Node,
  type PipeNode,
  type TemplateNode,
} from './ast.js';
import type { FuncContext, FuncDef } from './builtins.js';
import { formatArg, PLAIN } from './fmt.js';
import { FuncError } from './func-error.js';
import { idealNumber } from './literals.js';
import type { ParsedTemplate } from './parser.js';
import { GoNil, GoStruct, isTrue, kindOf, mapEntries, mapGet, typeName } from './values.js';

/** Nesting limit for `{{template}}` calls (Go allows 100000; a JavaScript stack does not). */
export const MAX_TEMPLATE_DEPTH = 200;

const MISSING = Symbol('missing');

// `{{break}}`/`{{continue}}` unwind to their `range` as exceptions, as Go's evaluator does with panics.
class BreakSignal extends Error {}
class ContinueSignal extends Error {}

/** Execute a parsed template against `data`; returns the output text. */
export function execute(
  tree: ParsedTemplate,
  data: unknown,
  funcs: ReadonlyMap<string, FuncDef>,
  ctx: FuncContext,
): string {
  const state = new State(tree, funcs, ctx, data);
  state.walk(data, tree.root);
  return state.out;
}

class State {
  out = '';
  private vars: Array<{ name: string; value: unknown }>;
  private depth = 0;
  /** Where execution is, for error messages: a pipeline (described lazily) or a fixed text. */
  private at: { line: number; pipe?: PipeNode; text?: string } = { line: 1 };

  constructor(
    private readonly tree: ParsedTemplate,
    private readonly funcs: ReadonlyMap<string, FuncDef>,
    private readonly ctx: FuncContext,
    data: unknown,
  ) {
    this.vars = [{ name: '$', value: data }];
  }

  private fail(message: string, cause?: unknown): never {
    const text = this.at.pipe ? argString(this.at.pipe) : this.at.text;
    const where = text ? ` executing <${text}>:` : ' executing:';
    throw new AppError('INVALID_REQUEST', `template: line ${this.at.line}:${where} ${message}`, {
      cause,
      details: { line: this.at.line },
    });
  }

  walk(dot: unknown, node: Node | ListNode): void {
    switch (node.type) {
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'text':
        this.out += node.text;
        return;
      case 'action': {
        this.at = { line: node.line, pipe: node.pipe };
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.out += this.printValue(v);
        return;
      }
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        return this.walkTemplate(dot, node);
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
    }
  }

  private printValue(v: unknown): string {
    if (v === undefined || v === null) return '<no value>';
    if (typeof v === 'function') this.fail("can't print a value of type func");
    return formatArg(v, 'v', PLAIN, 0, true);
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): void {
    const mark = this.vars.length;
    try {
      this.at = { line: node.line, pipe: node.pipe };
      const v = this.evalPipeline(dot, node.pipe);
      if (isTrue(v)) this.walk(node.type === 'with' ? v : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: unknown, node: BranchNode): void {
    const mark = this.vars.length;
    try {
      this.at = { line: node.line, pipe: node.pipe };
      const v = this.evalPipeline(dot, node.pipe);
      const iterMark = this.vars.length;
      const decl = node.pipe.decl.length;
      const one = (key: unknown, elem: unknown): void => {
        if (decl > 0) this.vars[this.vars.length - 1]!.value = elem;
        if (decl > 1) this.vars[this.vars.length - 2]!.value = key;
        try {
          this.walk(elem, node.list);
        } catch (err) {
          if (!(err instanceof ContinueSignal)) throw err;
        } finally {
          this.vars.length = iterMark;
        }
      };
      let ranOnce = false;
      switch (kindOf(v)) {
        case 'slice':
          (v as unknown[]).forEach((elem, i) => one(BigInt(i), elem));
          ranOnce = (v as unknown[]).length > 0;
          break;
        case 'map': {
          const entries = mapEntries(v as object);
          for (const [k, elem] of entries) one(k, elem);
          ranOnce = entries.length > 0;
          break;
        }
        case 'int': {
          // Go 1.22+: range over an integer.
          if (decl > 1) this.fail(`can't use ${String(v)} to iterate over more than one variable`);
          for (let i = 0n; i < (v as bigint); i++) one(i, i);
          ranOnce = (v as bigint) > 0n;
          break;
        }
        case 'invalid':
        case 'nil':
        case 'nilslice':
        case 'nilmap':
        case 'nilpointer':
          break;
        default:
          this.fail(`range can't iterate over ${formatArg(v, 'v', PLAIN)}`);
      }
      if (!ranOnce && node.elseList) this.walk(dot, node.elseList);
    } catch (err) {
      if (!(err instanceof BreakSignal)) throw err;
    } finally {
      this.vars.length = mark;
    }
  }

  private walkTemplate(dot: unknown, node: TemplateNode): void {
    this.at = { line: node.line, text: `template ${JSON.stringify(node.name)}` };
    const body = this.tree.defines.get(node.name) ?? (node.name === '' ? this.tree.root : undefined);
    if (!body) this.fail(`template ${JSON.stringify(node.name)} not defined`);
    if (this.depth >= MAX_TEMPLATE_DEPTH)
      this.fail(`exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`);
    const newDot = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
    const saved = this.vars;
    this.vars = [{ name: '$', value: newDot }];
    this.depth++;
    try {
      this.walk(newDot, body);
    } finally {
      this.vars = saved;
      this.depth--;
    }
  }

  // --- variables ----------------------------------------------------------------------------------------------

  private find(name: string): { name: string; value: unknown } {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!;
    return this.fail(`undefined variable: ${name}`);
  }

  // --- pipelines ----------------------------------------------------------------------------------------------

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd.args, value);
      // Go digs a value out of its interface: a nil interface becomes "no value".
      if (value === null) value = undefined;
    }
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.find(name).value = value;
      else this.vars.push({ name, value });
    }
    return value;
  }

  private notAFunction(args: readonly Arg[], final: unknown): void {
    if (args.length > 1 || final !== MISSING)
      this.fail(`can't give argument to non-function ${argString(args[0]!)}`);
  }

  private evalCommand(dot: unknown, args: readonly Arg[], final: unknown): unknown {
    const first = args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldChain(dot, dot, first.ident, args, final);
      case 'chain': {
        if (first.node.type === 'nil') this.fail(`indirection through explicit nil in ${argString(first)}`);
        return this.evalFieldChain(dot, this.evalArg(dot, first.node), first.fields, args, final);
      }
      case 'identifier':
        return this.evalFunction(dot, first.name, args, final);
      case 'variable': {
        const value = this.find(first.ident[0]!).value;
        if (first.ident.length === 1) {
          this.notAFunction(args, final);
          return value;
        }
        return this.evalFieldChain(dot, value, first.ident.slice(1), args, final);
      }
      case 'pipe':
        this.notAFunction(args, final);
        return this.evalPipeline(dot, first);
      case 'nil':
        return this.fail('nil is not a command');
      default:
        this.notAFunction(args, final);
        return this.evalArg(dot, first);
    }
  }

  private evalArg(dot: unknown, arg: Arg): unknown {
    switch (arg.type) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'bool':
        return arg.value;
      case 'number':
        return idealNumber(arg);
      case 'string':
        return arg.text;
      case 'pipe':
        return this.evalPipeline(dot, arg);
      default:
        return this.evalCommand(dot, [arg], MISSING);
    }
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    ident: readonly string[],
    args: readonly Arg[],
    final: unknown,
  ): unknown {
    let cur = receiver;
    ident.forEach((name, i) => {
      const last = i === ident.length - 1;
      cur = this.evalField(dot, name, last ? args : [], last ? final : MISSING, cur);
    });
    return cur;
  }

  private evalField(
    dot: unknown,
    name: string,
    args: readonly Arg[],
    final: unknown,
    receiver: unknown,
  ): unknown {
    if (receiver === undefined) return undefined;
    if (receiver === null) this.fail(`nil pointer evaluating interface {}.${name}`);
    const hasArgs = args.length > 1 || final !== MISSING;
    if (receiver instanceof GoStruct) {
      const method = receiver.type.methods?.[name];
      if (method) {
        const argv = args.slice(1).map((a) => this.evalArg(dot, a));
        if (final !== MISSING) argv.push(final);
        if (argv.length !== method.length - 1) {
          this.fail(`wrong number of args for ${name}: want ${method.length - 1} got ${argv.length}`);
        }
        return this.guard(name, () => method(receiver, ...argv));
      }
      if (receiver.hasField(name)) {
        if (hasArgs) this.fail(`${name} has arguments but cannot be invoked as function`);
        return receiver.values[name];
      }
    } else if (receiver instanceof GoNil) {
      if (receiver.kind === 'pointer') this.fail(`nil pointer evaluating ${receiver.type.name}.${name}`);
      if (receiver.kind === 'map') return null;
    } else if (kindOf(receiver) === 'map') {
      if (hasArgs) this.fail(`${name} is not a method but has arguments`);
      const got = mapGet(receiver, name);
      return got.found ? got.value : null;
    }
    return this.fail(`can't evaluate field ${name} in type ${typeName(receiver)}`);
  }

  private evalFunction(dot: unknown, name: string, args: readonly Arg[], final: unknown): unknown {
    const fn = this.funcs.get(name);
    if (!fn) return this.fail(`"${name}" is not a defined function`);
    const operands = args.slice(1);
    const count = operands.length + (final === MISSING ? 0 : 1);
    if (fn.variadic ? count < fn.params.length : count !== fn.params.length) {
      const want = fn.variadic ? `at least ${fn.params.length}` : String(fn.params.length);
      this.fail(
        `wrong number of args for ${name}: want ${want} got ${fn.variadic ? operands.length : count}`,
      );
    }
    if (fn.shortCircuit) {
      let v: unknown;
      for (const a of operands) {
        v = this.evalArg(dot, a);
        if (isTrue(v) === (fn.shortCircuit === 'or')) return v;
      }
      return final === MISSING ? v : final;
    }
    const kindAt = (i: number): string => fn.params[i] ?? fn.variadic ?? 'value';
    const argv = operands.map((a, i) =>
      kindAt(i) === 'string' ? this.evalString(dot, a) : this.evalArg(dot, a),
    );
    if (final !== MISSING) {
      if (kindAt(argv.length) === 'string' && typeof final !== 'string') this.wrongType('string', final);
      argv.push(final);
    }
    return this.guard(name, () => fn.call(argv, this.ctx));
  }

  private evalString(dot: unknown, arg: Arg): string {
    if (arg.type === 'string') return arg.text;
    if (arg.type === 'nil') this.fail('cannot assign nil to string');
    if (arg.type === 'number' || arg.type === 'bool') this.fail(`expected string; found ${argString(arg)}`);
    const v = this.evalArg(dot, arg);
    if (typeof v !== 'string') this.wrongType('string', v);
    return v;
  }

  private wrongType(want: string, v: unknown): never {
    if (v === undefined || v === null) this.fail(`invalid value; expected ${want}`);
    return this.fail(`wrong type for value; expected ${want}; got ${typeName(v)}`);
  }

  private guard<T>(name: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof FuncError) this.fail(`error calling ${name}: ${err.message}`, err);
      throw err;
    }
  }
}
