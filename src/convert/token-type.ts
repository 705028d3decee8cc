/** llama.cpp token types (gguf-py `TokenType`, the same numbers as SentencePiece's `Type` enum). */
export const TokenType = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;

/**
 * Added tokens some models forget to mark special but that are control tokens (`does_token_look_special` in
 * convert_hf_to_gguf): `<|…|>`, deepseek's `<｜…｜>`, Gemma's `<unused…>`, and a few literal names.
 */
export function looksSpecial(token: string): boolean {
  return (
    ['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(token) ||
    (token.startsWith('<|') && token.endsWith('|>')) ||
    (token.startsWith('<｜') && token.endsWith('｜>')) ||
    (token.startsWith('<unused') && token.endsWith('>'))
  );
}
