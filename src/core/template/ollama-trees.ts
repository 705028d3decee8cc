/**
 * The template trees Ollama renders prompts with (`template/template.go`), computed once per template:
 * the identifiers it mentions (`Vars`), the tree with `{{ .Response }}` appended when the template mentions
 * neither `.Messages` nor `.Response` (`Parse`), and the copy cut right after the first `.Response`
 * (`deleteNode`), used for the last turn of legacy templates.
 */
import { AppError } from '../errors.js';
import type { Arg, ListNode, Node, PipeNode } from './ast.js';
import type { ParsedTemplate } from './parser.js';
import type { Template } from './template.js';

/** The trees of one template. */
export interface OllamaTrees {
  /** Lower-cased field and variable names the template mentions (Ollama's `Template.Vars`). */
  vars: ReadonlySet<string>;
  /** True when the template reads `.Messages`: the chat path. */
  usesMessages: boolean;
  full: ParsedTemplate;
  cut: ParsedTemplate;
}

const memo = new WeakMap<Template, OllamaTrees>();

/** Ollama's view of a template; throws `INVALID_REQUEST` for templates Ollama's `Parse` rejects. */
export function ollamaTrees(template: Template): OllamaTrees {
  let trees = memo.get(template);
  if (!trees) {
    trees = build(template.tree);
    memo.set(template, trees);
  }
  return trees;
}

function build(tree: ParsedTemplate): OllamaTrees {
  const vars = new Set<string>();
  for (const list of [tree.root, ...tree.defines.values()]) {
    for (const n of list.nodes) identifiers(n).forEach((v) => vars.add(v.toLowerCase()));
  }
  let root = tree.root;
  if (!vars.has('messages') && !vars.has('response')) {
    const response: Node = { type: 'action', line: 0, pipe: responsePipe() };
    root = { type: 'list', nodes: [...root.nodes, response] };
    vars.add('response');
  }
  return {
    vars,
    usesMessages: vars.has('messages'),
    full: { root, defines: tree.defines },
    cut: { root: cutAfterResponse(root), defines: tree.defines },
  };
}

function responsePipe(): PipeNode {
  return {
    type: 'pipe',
    line: 0,
    isAssign: false,
    decl: [],
    cmds: [{ type: 'command', args: [{ type: 'field', ident: ['Response'] }] }],
  };
}

/** Ollama's `Identifiers`: field and variable names in actions, branch pipelines and template calls. */
function identifiers(n: Node | ListNode | Arg): string[] {
  switch (n.type) {
    case 'list':
      return n.nodes.flatMap(identifiers);
    case 'template':
      if (!n.pipe) {
        throw new AppError(
          'INVALID_REQUEST',
          `template: line ${n.line}: {{template ${JSON.stringify(n.name)}}} has no argument, which Ollama rejects ` +
            `("undefined template specified"); pass one, e.g. {{template ${JSON.stringify(n.name)} .}}`,
          { details: { line: n.line } },
        );
      }
      return identifiers(n.pipe);
    case 'action':
      return identifiers(n.pipe);
    case 'if':
    case 'range':
    case 'with':
      return [...identifiers(n.pipe), ...identifiers(n.list), ...(n.elseList ? identifiers(n.elseList) : [])];
    case 'pipe':
      return n.cmds.flatMap((c) => c.args.flatMap(identifiers));
    case 'field':
    case 'variable':
      return n.ident;
    default:
      return [];
  }
}

/**
 * Ollama's `deleteNode` with its predicate: keep everything up to and including the first `.Response` field
 * (in walk order: action pipelines only, not `if`/`range`/`with` conditions), drop everything after it.
 * Where Ollama would panic (an `else` branch after the cut), the `else` branch is dropped.
 */
function cutAfterResponse(root: ListNode): ListNode {
  let cut = false;
  const list = (l: ListNode): ListNode => ({ type: 'list', nodes: l.nodes.flatMap((n) => node(n)) });
  const node = (n: Node): Node[] => {
    if (cut) return [];
    switch (n.type) {
      case 'action': {
        const p = pipe(n.pipe);
        return p ? [{ ...n, pipe: p }] : [];
      }
      case 'if':
      case 'range':
      case 'with': {
        const body = list(n.list);
        const elseList = n.elseList && !cut ? list(n.elseList) : undefined;
        return [{ ...n, list: body, elseList }];
      }
      default:
        return [n];
    }
  };
  const pipe = (p: PipeNode): PipeNode | undefined => {
    const cmds = [];
    for (const c of p.cmds) {
      const args = c.args.flatMap((a) => arg(a));
      if (args.length === 0) return undefined;
      cmds.push({ ...c, args });
    }
    return cmds.length > 0 ? { ...p, cmds } : undefined;
  };
  const arg = (a: Arg): Arg[] => {
    if (cut) return [];
    if (a.type === 'field' && a.ident.includes('Response')) {
      cut = true;
      return [a];
    }
    if (a.type === 'pipe') {
      const p = pipe(a);
      return p ? [p] : [];
    }
    return [a];
  };
  return list(root);
}
