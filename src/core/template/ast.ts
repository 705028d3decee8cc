/**
 * The parse tree of a Go template, shaped like `text/template/parse`'s nodes. `line` is the 1-based source line
 * a node starts on, for error messages.
 */

/** A sequence of nodes: a template body or a branch. */
export interface ListNode {
  type: 'list';
  nodes: Node[];
}

/** Literal text between actions (already trimmed by trim markers). */
export interface TextNode {
  type: 'text';
  text: string;
}

/** `{{ pipeline }}`: prints the pipeline's value unless it declares variables. */
export interface ActionNode {
  type: 'action';
  line: number;
  pipe: PipeNode;
}

/** `if`, `range` and `with`: a pipeline, a body and an optional `else` body. */
export interface BranchNode {
  type: 'if' | 'range' | 'with';
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}

/** `{{template "name" pipeline}}` (and the call half of `{{block}}`). */
export interface TemplateNode {
  type: 'template';
  line: number;
  name: string;
  pipe?: PipeNode;
}

/** `{{break}}` or `{{continue}}` inside a `range`. */
export interface LoopControlNode {
  type: 'break' | 'continue';
  line: number;
}

/** What a list holds. */
export type Node = TextNode | ActionNode | BranchNode | TemplateNode | LoopControlNode;

/** A pipeline: optional variable declarations (`$x :=`) or assignment (`$x =`), then commands joined by `|`. */
export interface PipeNode {
  type: 'pipe';
  line: number;
  isAssign: boolean;
  decl: string[];
  cmds: CommandNode[];
}

/** One stage of a pipeline: a function, field, variable or literal with its operands. */
export interface CommandNode {
  type: 'command';
  args: Arg[];
}

/** `.A.B` (empty `ident` never happens: a lone `.` is a {@link DotNode}). */
export interface FieldNode {
  type: 'field';
  ident: string[];
}

/** `$x.A.B`: `ident[0]` is the variable name with its `$`. */
export interface VariableNode {
  type: 'variable';
  ident: string[];
}

/** A function name. */
export interface IdentifierNode {
  type: 'identifier';
  name: string;
}

/** A number constant. `int` is set when the text denotes an integer, `float` when it denotes a float. */
export interface NumberNode {
  type: 'number';
  text: string;
  int?: bigint;
  float?: number;
}

/** A string constant, already unquoted. */
export interface StringNode {
  type: 'string';
  /** The source text, quotes included. */
  quoted: string;
  text: string;
}

/** Field access on a non-field term: `(pipeline).A.B`. */
export interface ChainNode {
  type: 'chain';
  node: Arg;
  fields: string[];
}

/** Operands of a command. */
export type Arg =
  | FieldNode
  | VariableNode
  | IdentifierNode
  | NumberNode
  | StringNode
  | ChainNode
  | PipeNode
  | { type: 'dot' }
  | { type: 'nil' }
  | { type: 'bool'; value: boolean };

/** Source-like text of an operand or pipeline, for error messages (Go's `Node.String`). */
export function argString(a: Arg): string {
  switch (a.type) {
    case 'field':
      return `.${a.ident.join('.')}`;
    case 'variable':
      return a.ident.join('.');
    case 'identifier':
      return a.name;
    case 'number':
      return a.text;
    case 'string':
      return a.quoted;
    case 'chain':
      return `${a.node.type === 'pipe' ? `(${argString(a.node)})` : argString(a.node)}.${a.fields.join('.')}`;
    case 'pipe': {
      const cmds = a.cmds
        .map((c) => c.args.map((x) => (x.type === 'pipe' ? `(${argString(x)})` : argString(x))).join(' '))
        .join(' | ');
      return a.decl.length > 0 ? `${a.decl.join(', ')} ${a.isAssign ? '=' : ':='} ${cmds}` : cmds;
    }
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(a.value);
  }
}
