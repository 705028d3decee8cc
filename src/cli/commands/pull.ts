import { transferCommand } from './transfer.js';

export const pullCommand = transferCommand(
  {
    name: 'pull',
    summary: 'Pull a model from a registry or Hugging Face',
    usage:
      'corral pull MODEL [--insecure]   (MODEL: name[:tag], host/namespace/name[:tag], hf.co/user/repo[:quant])',
  },
  (client, request, onProgress) => client.pull(request, { onProgress }),
);
