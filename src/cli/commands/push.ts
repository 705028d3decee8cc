import { transferCommand } from './transfer.js';

export const pushCommand = transferCommand(
  {
    name: 'push',
    summary: 'Push a model to a registry',
    usage: 'corral push MODEL [--insecure]   (MODEL: host/namespace/name[:tag])',
  },
  (client, request, onProgress) => client.push(request, { onProgress }),
);
