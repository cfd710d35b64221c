import '@backstage/cli/asset-types';
// The Backstage UI stylesheet: without it the catalog's own pages (headers,
// tabs, tables built on @backstage/ui) render unstyled. The create-app
// template loads it here, once, for the whole app.
import '@backstage/ui/css/styles.css';
import ReactDOM from 'react-dom/client';
import app from './App';

ReactDOM.createRoot(document.getElementById('root')!).render(app);
