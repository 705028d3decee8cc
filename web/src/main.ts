import './lib/polyfills.js';
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { applyTheme, currentTheme } from './lib/theme.js';

applyTheme(currentTheme());

const target = document.getElementById('app');
if (target === null) throw new Error('index.html lacks #app');
export default mount(App, { target });
