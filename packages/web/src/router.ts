import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import HomePage from './pages/HomePage.vue';

// The home page (mosaic and first recommendations) loads with the app; every other page on demand.
const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: HomePage, meta: { title: 'Rate and discover' } },
  {
    path: '/recommendations',
    name: 'recommendations',
    component: () => import('./pages/RecommendationsPage.vue'),
    meta: { title: 'Your recommendations' },
  },
  {
    path: '/works/:id',
    name: 'work',
    component: () => import('./pages/WorkPage.vue'),
    meta: { title: 'Work' },
  },
  {
    path: '/lists/:sort(top|pearls|popular|controversial)',
    name: 'list',
    component: () => import('./pages/ListPage.vue'),
    meta: { title: 'Lists' },
  },
  {
    path: '/search',
    name: 'search',
    component: () => import('./pages/SearchPage.vue'),
    meta: { title: 'Search' },
  },
  {
    path: '/watchlist',
    name: 'watchlist',
    component: () => import('./pages/WatchlistPage.vue'),
    meta: { title: 'Watchlist' },
  },
  {
    path: '/groups',
    name: 'groups',
    component: () => import('./pages/GroupPage.vue'),
    meta: { title: 'Watch parties' },
  },
  {
    path: '/map',
    name: 'map',
    component: () => import('./pages/MapPage.vue'),
    meta: { title: 'Map of works' },
  },
  {
    path: '/profile',
    name: 'profile',
    component: () => import('./pages/ProfilePage.vue'),
    meta: { title: 'Profile' },
  },
  {
    path: '/users/:username',
    name: 'user',
    component: () => import('./pages/ProfilePage.vue'),
    meta: { title: 'Profile' },
  },
  {
    path: '/login',
    name: 'login',
    component: () => import('./pages/AuthPage.vue'),
    meta: { title: 'Log in' },
  },
  {
    path: '/signup',
    name: 'signup',
    component: () => import('./pages/AuthPage.vue'),
    meta: { title: 'Sign up' },
  },
  {
    path: '/import',
    name: 'import',
    component: () => import('./pages/ImportPage.vue'),
    meta: { title: 'Import from MyAnimeList' },
  },
  {
    path: '/admin',
    name: 'admin',
    component: () => import('./pages/AdminPage.vue'),
    meta: { title: 'Admin' },
  },
  {
    path: '/:missing(.*)*',
    name: 'missing',
    component: () => import('./pages/MissingPage.vue'),
    meta: { title: 'Not found' },
  },
];

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
});

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? '')} · osusume`;
});
