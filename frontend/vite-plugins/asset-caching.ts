import type { Plugin } from 'vite';

/**
 * `vite preview` caches the build as nginx.conf does: hashed files under /assets/ never change, so
 * the browser keeps them (Vite's own default there is to revalidate every one of them).
 */
export function assetCaching(): Plugin {
  return {
    name: 'asset-caching',
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        // Set before Vite's static server runs; it keeps headers already on the response.
        if (req.url?.startsWith('/assets/')) {
          res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        }
        next();
      });
    },
  };
}
