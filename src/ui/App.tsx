export function App() {
  return (
    <main>
      <h1>srda-lst</h1>
      <p>
        Status: <span data-testid="status" data-state="idle">idle</span>
      </p>
    </main>
  );
}
