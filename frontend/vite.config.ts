import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';
import { assetCaching } from './vite-plugins/asset-caching.ts';
import { linkCallbackScripts } from './vite-plugins/link-callback-scripts.ts';
import { notFoundStatus } from './vite-plugins/not-found-status.ts';
import { precompressedAssets } from './vite-plugins/precompressed-assets.ts';
import { runtimeConfig } from './vite-plugins/runtime-config.ts';
import { securityHeaders } from './vite-plugins/security-headers.ts';

export default defineConfig({
  plugins: [
    react(),
    // First: its headers go on every response, /config.json included.
    securityHeaders(),
    runtimeConfig(),
    assetCaching(),
    // After the two above: it answers /assets/ itself, with the headers they set.
    precompressedAssets(),
    notFoundStatus(),
    linkCallbackScripts({ callback: 'callback.html', landing: 'index.html' }),
  ],
  build: {
    // Every browser this app supports knows modulepreload: the polyfill would only cost a request.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      // Two documents: the landing page, and /callback, which loads only what finishing a sign-in
      // needs and links all of it in its HTML so nothing waits to be discovered.
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        callback: resolve(import.meta.dirname, 'callback.html'),
      },
      output: {
        // Few files on the callback's path (every request counts there), each evaluated when
        // callback-main.tsx needs it: what redeems the code, what calls GetOrCreate, the view,
        // React (shared by both pages). The landing page loads the first two only when someone
        // signs up, logs in or is signed in.
        codeSplitting: {
          groups: [
            {
              // With React, the one component every page shares: in the view group it would pull
              // the callback's view (and its sign-in and API imports) onto the landing page.
              name: 'react',
              test: /node_modules[\\/](react|react-dom|scheduler)[\\/]|[\\/]src[\\/]pages[\\/]page-heading\./,
            },
            {
              name: 'sign-in',
              test: /node_modules[\\/](oidc-client-ts|jwt-decode)[\\/]|[\\/]src[\\/](auth[\\/](oidc-auth-client|create-user-manager|signin-error)|callback[\\/]redeem-code)\./,
            },
            {
              name: 'api',
              test: /node_modules[\\/](@connectrpc|@bufbuild)[\\/]|[\\/]gen[\\/]src[\\/]|[\\/]src[\\/](api[\\/]connect-user-client|provisioning[\\/]|callback[\\/](begin-callback|start-provisioning))\./,
            },
            {
              name: 'view',
              test: /[\\/]src[\\/](callback[\\/]render-callback|pages[\\/](callback-page|callback-outcomes|account-summary|startup-error))\./,
            },
          ],
        },
      },
    },
  },
  server: { port: 5173 },
  preview: { port: 5173 },
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.{ts,tsx}'],
    setupFiles: ['test/setup.ts'],
  },
});
